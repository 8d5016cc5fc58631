"""The search job end to end on a tiny space: trials in the store, a pause that resumes without redoing
finished trials, fine-tuning a candidate and replaying it from a recipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.runners.context import JobContext, JobPaused
from studio.optimize.nas.constraints import Constraints
from studio.optimize.nas.progressive import tiny_config
from studio.optimize.nas.request import FinetuneRequest, NasRequest
from studio.optimize.trial_store import TrialStore
from tests.optimize_nas.conftest import TINY_SPACE_TOML


class PauseAtTrial:
    """Requests a pause once ``n`` search trials were reported."""

    def __init__(self, n: int) -> None:
        self.n, self.trials, self.cancelled = n, 0, False

    def progress(self, done: float, total: float, message: str = "") -> None:
        if message.startswith("search: trial"):
            self.trials += 1

    def log(self, message: object) -> None:
        pass

    def check_cancelled(self) -> None:
        pass

    @property
    def pause_requested(self) -> bool:
        return self.trials >= self.n

    def check_paused(self, **kwargs: object) -> None:
        if self.pause_requested:
            raise JobPaused(dict(kwargs))


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nas")


def _request(data: Path, work: Path, **changes) -> NasRequest:  # type: ignore[no-untyped-def]
    fields = {
        "data": str(data),
        "space_toml": TINY_SPACE_TOML,
        "supernet": tiny_config(batch_size=48),
        "trials": 6,
        "population": 3,
        "seed": 2,
        "constraints": Constraints(max_macs=400_000),
        "work_dir": str(work),
        "store_path": str(work / "t.sqlite"),
    }
    fields.update(changes)
    return NasRequest(**fields)


@pytest.fixture(scope="module")
def finished_search(small_digits_npz: Path, search_dir: Path) -> dict:
    import torch

    from studio.workflows.nas import nas_job

    torch.set_num_threads(1)
    return nas_job(JobContext.standalone(), _request(small_digits_npz, search_dir))


def test_search_job_keeps_every_trial_within_limits(finished_search: dict, search_dir: Path) -> None:
    trials = finished_search["trials"]
    assert len(trials) == 6
    assert all(t["macs"] <= 400_000 and 0.0 <= t["accuracy"] <= 1.0 for t in trials)
    assert max(t["accuracy"] for t in trials) > 0.3  # the supernet learned something on 300 digits
    assert set(finished_search["pareto"]) <= {t["index"] for t in trials}
    with TrialStore(search_dir / "t.sqlite") as store:
        run = store.run(finished_search["run_id"])
        assert run.state == "succeeded" and run.result["trials"] == 6
        assert [t["key"] for t in store.trials(run.id)] == [t["key"] for t in trials]
        assert [p[0] for p in store.curves(run.id)["supernet/loss"]] == [1, 2, 3, 4]
        assert all(t["board_latency"]["nano33ble"] > 0 for t in store.trials(run.id))


def test_paused_search_resumes_without_redoing_finished_trials(
    finished_search: dict, small_digits_npz: Path, search_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studio.optimize.nas.executors as executors
    from studio.workflows.nas import nas_job

    evaluated: list[str] = []
    real = executors.evaluate_arch

    def counting(supernet, arch, data):  # type: ignore[no-untyped-def]
        evaluated.append(arch.key())
        return real(supernet, arch, data)

    monkeypatch.setattr(executors, "evaluate_arch", counting)
    request = _request(small_digits_npz, search_dir)  # same supernet fingerprint: reused, not retrained
    with TrialStore(request.store_path) as store:
        run_id = store.create_run("nas", "resumable")
    request = _request(small_digits_npz, search_dir, run_id=run_id)
    with pytest.raises(JobPaused):
        nas_job(PauseAtTrial(3), request)
    with TrialStore(request.store_path) as store:
        assert store.run(run_id).state == "paused"
        assert len(store.trials(run_id)) == 3
    first = len(evaluated)
    result = nas_job(JobContext.standalone(), request, resume=True)
    assert len(evaluated) - first == 3  # only the trials that had not finished
    assert [(t["key"], t["accuracy"]) for t in result["trials"]] == [
        (t["key"], t["accuracy"]) for t in finished_search["trials"]
    ]


def test_candidate_is_fine_tuned_and_replays_from_its_recipe_step(
    finished_search: dict, small_digits_npz: Path, search_dir: Path
) -> None:
    import torch

    from studio.optimize.nas.recipe_steps import nas_subnet_step
    from studio.recipe.replay import replay_steps
    from studio.workflows.model_handle import loaded_from_module
    from studio.workflows.nas import finetune_job

    best = max(finished_search["trials"], key=lambda t: t["accuracy"])
    request = FinetuneRequest(
        finished_search["supernet_path"],
        json.dumps(best["arch"]),
        str(small_digits_npz),
        epochs=1,
        out_dir=str(search_dir / "models"),
        store_path=str(search_dir / "t.sqlite"),
    )
    result = finetune_job(JobContext.standalone(), request)
    assert 0.0 <= result["accuracy_supernet"] <= 1.0 and len(result["curve"]) == 1
    assert result["curve"][0][1] == pytest.approx(result["accuracy_finetuned"])
    module, shape = result["module"], result["input_shape"]
    model = loaded_from_module(module, shape, name="searched")
    assert any(n.op == "Conv" for n in model.graph.nodes)
    step = nas_subnet_step(
        json.dumps(best["arch"]), result["space"], shape[1], result["num_classes"], result["weights_path"]
    )
    replayed = replay_steps(model, [step])
    x = torch.rand(2, *shape[1:])
    with torch.no_grad():
        assert torch.allclose(replayed.module(x), module(x))
    with TrialStore(search_dir / "t.sqlite") as store:
        assert store.run(result["run_id"]).state == "succeeded"


def test_missing_weights_fail_the_replay_with_one_line(finished_search: dict, tmp_path: Path) -> None:
    from studio.core.errors import StudioError
    from studio.optimize.nas.recipe_steps import nas_subnet_step
    from studio.recipe.replay import replay_steps

    best = finished_search["trials"][0]
    step = nas_subnet_step(json.dumps(best["arch"]), finished_search["space"], 1, 10, str(tmp_path / "gone.pt"))
    with pytest.raises(StudioError, match="weights file is missing"):
        replay_steps(None, [step])  # type: ignore[arg-type]
