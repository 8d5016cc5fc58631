"""The Search stage and its history: an interrupted search resumes from the window keeping its finished
trials, a distillation reopened from the history gives its student, an interrupted one resumes, and the stage
follows the project the window opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.optimize_nas.test_resume import dead_pid, set_owner

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(qtbot: Any) -> Any:
    from studio.ui.stages.context import standalone_context

    context = standalone_context("demo")
    yield context
    assert context.services.jobs.shutdown(timeout=30)


class StopAfterTrials:
    """A job context whose worker "dies" after ``n`` search trials (it raises, as a killed worker stops)."""

    def __init__(self, n: int) -> None:
        self.n, self.trials, self.cancelled, self.pause_requested = n, 0, False, False

    def progress(self, done: float, total: float, message: str = "") -> None:
        if message.startswith("search: trial"):
            self.trials += 1
            if self.trials >= self.n:
                raise SystemExit("worker killed")

    def log(self, message: object) -> None:
        pass

    def check_cancelled(self) -> None:
        pass


@pytest.mark.slow
def test_an_interrupted_search_resumes_from_the_window_and_keeps_its_trials(
    qtbot: Any, ctx: Any, tmp_path: Path, small_digits_npz: Path
) -> None:
    import socket

    import torch

    from studio.optimize.nas.constraints import Constraints
    from studio.optimize.nas.progressive import tiny_config
    from studio.optimize.nas.request import NasRequest
    from studio.optimize.trial_store import TrialStore
    from studio.ui.nas.nas_panel import NasPanel
    from studio.workflows.nas import nas_job
    from tests.optimize_nas.conftest import TINY_SPACE_TOML

    torch.set_num_threads(1)
    store_path = tmp_path / "p.trials.sqlite"
    request = NasRequest(
        data=str(small_digits_npz),
        space_toml=TINY_SPACE_TOML,
        supernet=tiny_config(batch_size=48),
        trials=4,
        population=2,
        seed=1,
        constraints=Constraints(max_macs=400_000),
        work_dir=str(tmp_path / "work"),
        store_path=str(store_path),
    )
    with pytest.raises(SystemExit):
        nas_job(StopAfterTrials(2), request)
    with TrialStore(store_path) as store:
        (run,) = store.runs("nas")
        before = {t["index"]: t for t in store.trials(run.id)}
        assert sorted(before) == [0, 1]
        # What a killed worker leaves: "running", owned by a process that no longer exists.
        store.set_run_state(run.id, "running")
    set_owner(store_path, run.id, f"{socket.gethostname()}:{dead_pid()}")

    panel = NasPanel(ctx, None, store_path)
    qtbot.addWidget(panel)
    assert panel.run_id == run.id and len(panel.trials) == 2
    assert panel.pause_button.text() == "Resume" and panel.pause_button.isEnabled()
    assert "Resume continues it" in panel.status.text()
    panel.pause_button.click()
    job = ctx.services.jobs.get(panel.job_id)
    assert job.spec.kwargs["resume"] is True and job.spec.kwargs["request"].run_id == run.id
    assert not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: job.state.is_finished, timeout=180_000)
    assert job.state.name == "SUCCEEDED", job.error
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=10_000)
    assert len(panel.trials) == 4 and panel.table.trial_model.rowCount() == 4
    with TrialStore(store_path) as store:
        assert store.run(run.id).state == "succeeded" and len(store.runs("nas")) == 1  # the same history entry
        after = {t["index"]: t for t in store.trials(run.id)}
    for i in (0, 1):  # answered from the store, not evaluated again
        assert after[i]["created"] == before[i]["created"] and after[i]["key"] == before[i]["key"]
    assert not panel.pause_button.isEnabled()


def _fake_distill_run(store: Any, ctx: Any, tmp_path: Path, state: str, seeds: tuple[int, ...] = (0,)) -> int:
    """A distillation run as the history holds it, its students' weights saved (no training needed)."""
    import torch

    from studio.optimize.distill.config import DistillConfig
    from studio.optimize.distill.students import build_student
    from studio.workflows.distill import DistillRequest, distill_params

    out = tmp_path / "distill"
    out.mkdir(exist_ok=True)
    request = DistillRequest(
        ctx.session.handle(),
        "digits-cnn:width=2",
        config=DistillConfig(epochs=1),
        seeds=seeds,
        out_dir=str(out),
        train_samples=100,
    )
    run = store.create_run("distill", "Distil into digits-cnn:width=2", distill_params(request))
    torch.manual_seed(0)
    module, _shape, _name = build_student("digits-cnn:width=2", 1, 10)
    for mode in ("kd", "baseline"):
        torch.save(module.state_dict(), out / f"{mode}-seed0.pt")
        store.add_point(run, f"{mode}/seed0/val_accuracy", 1, 0.5)
        store.add_point(run, f"{mode}/seed0/final", 0, 0.5 if mode == "kd" else 0.25)
    summary = {
        "run_id": run,
        "student": "digits-cnn:width=2",
        "student_spec": "digits-cnn:width=2",
        "teacher_accuracy": 0.98,
        "kd": {"mean": 0.5, "sd": 0.0, "per_seed": [0.5]},
        "baseline": {"mean": 0.25, "sd": 0.0, "per_seed": [0.25]},
        "weights_path": str(out / "kd-seed0.pt"),
        "in_channels": 1,
        "num_classes": 10,
    }
    store.set_run_state(run, state, summary if state == "succeeded" else None)
    return run


def test_use_distilled_student_works_for_a_run_reopened_from_the_history(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    from studio.optimize.trial_store import TrialStore
    from studio.ui.distill.panel import DistillPanel

    store_path = tmp_path / "p.trials.sqlite"
    with TrialStore(store_path) as store:
        run = _fake_distill_run(store, ctx, tmp_path, "succeeded")
    panel = DistillPanel(ctx, None, store_path)
    qtbot.addWidget(panel)
    assert panel.run_id == run and panel.result is None  # nothing in memory: only the history
    assert "With distillation 50.00%" in panel.summary.text() and "#1" in panel.runs.itemText(0)
    assert panel.use_button.isEnabled() and not panel.resume_button.isEnabled()
    original = ctx.session.opened
    with qtbot.waitSignal(panel.modelDerived, timeout=30_000):
        panel.use_button.click()
    assert ctx.session.opened is not original and ctx.session.version.steps[-1]["kind"] == "distill"
    assert ctx.session.version.steps[-1]["weights"].endswith("kd-seed0.pt")
    assert ctx.session.opened.model.input_shape == (1, 1, 8, 8)


@pytest.mark.slow
def test_an_interrupted_distillation_resumes_keeping_its_finished_seeds(
    qtbot: Any, ctx: Any, tmp_path: Path, small_digits_npz: Path
) -> None:
    import socket

    from studio.optimize.trial_store import TrialStore
    from studio.ui.distill.panel import DistillPanel

    ctx.project.dataset = str(small_digits_npz)
    store_path = tmp_path / "p.trials.sqlite"
    with TrialStore(store_path) as store:
        run = _fake_distill_run(store, ctx, tmp_path, "running", seeds=(0, 1))
    set_owner(store_path, run, f"{socket.gethostname()}:{dead_pid()}")
    panel = DistillPanel(ctx, None, store_path)
    qtbot.addWidget(panel)
    assert panel.resume_button.isEnabled() and not panel.use_button.isEnabled()
    with qtbot.waitSignal(panel.finished, timeout=180_000):
        panel.resume_button.click()
    job = ctx.services.jobs.get(max(j.id for j in ctx.services.jobs.jobs))
    assert job.state.name == "SUCCEEDED", job.error
    assert job.spec.kwargs["resume"] is True
    result = panel.result
    assert result["run_id"] == run and result["kd"]["per_seed"][0] == 0.5  # seed 0 kept, not retrained
    assert result["baseline"]["per_seed"][0] == 0.25 and len(result["kd"]["per_seed"]) == 2
    assert panel.use_button.isEnabled()


def test_the_stage_follows_the_project_the_window_opens(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    from studio.core.project import Project
    from studio.optimize.trial_store import TrialStore, store_path_for
    from studio.ui.nas.panel import SearchStage

    first = ctx.project
    with TrialStore(store_path_for(first)) as store:
        store.create_run("nas", "search of the first project", {})
    second = Project()
    second.path = tmp_path / "second.tmlproj"
    with TrialStore(store_path_for(second)) as store:
        store.create_run("nas", "search of the second project", {})
        store.create_run("distill", "distillation of the second project", {})

    stage = SearchStage(ctx)
    qtbot.addWidget(stage)
    assert stage.nas.store_path == store_path_for(first)
    assert "first project" in stage.nas.runs.itemText(0) and stage.distill.runs.count() == 0

    ctx._project = lambda: second  # what the window does when it opens another project
    ctx.projectChanged.emit()
    assert stage.nas.store_path == stage.distill.store_path == tmp_path / "second.trials.sqlite"
    assert "second project" in stage.nas.runs.itemText(0) and "second project" in stage.distill.runs.itemText(0)

    first.path = tmp_path / "first.tmlproj"  # the first project gets saved, then reopened
    ctx._project = lambda: first
    ctx.projectChanged.emit()
    assert stage.nas.store_path == tmp_path / "first.trials.sqlite"
    assert "first project" in stage.nas.runs.itemText(0)  # its trials came along
