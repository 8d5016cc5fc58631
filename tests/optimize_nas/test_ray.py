"""The same search on a local Ray instance gives the same trials as the local runner; Ray Train trains the
supernet data-parallel. Ray is an optional extra: these tests skip without it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def trained(tiny_space, small_digits_npz: Path, tmp_path_factory) -> tuple:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.progressive import tiny_config, train_supernet
    from studio.optimize.nas.runner import prepare_data
    from studio.optimize.nas.supernet import Supernet

    torch.manual_seed(0)
    train, val = prepare_data(str(small_digits_npz), 12)
    net = Supernet(tiny_space, 1, 10)
    train_supernet(net, train, tiny_config(batch_size=48), tmp_path_factory.mktemp("ray"))
    return net, train, val


def test_same_search_same_result_locally_and_on_ray(local_ray: None, trained: tuple) -> None:
    from studio.optimize.nas.executors import LocalTrialExecutor
    from studio.optimize.nas.problem import SearchProblem
    from studio.optimize.nas.ray_backend import RayTrialExecutor
    from studio.optimize.nas.search import EvolutionConfig, evolutionary_search
    from studio.optimize.nas.trial_eval import prepare_trial_data

    net, train, val = trained
    data = prepare_trial_data(train, val)
    problem = SearchProblem(net.space, 1, 10)
    config = EvolutionConfig(trials=6, population=3, seed=7)
    results = []
    for executor in (LocalTrialExecutor(net, data), RayTrialExecutor(net, data)):
        trials = evolutionary_search(config, problem, lambda batch, ex=executor: ex.evaluate(batch))
        results.append([(t.arch.key(), t.accuracy) for t in trials])
    assert results[0] == results[1]
    assert len({acc for _key, acc in results[0]}) > 1  # real, differing accuracies


def test_ray_train_trains_the_supernet_data_parallel(
    local_ray: None, tiny_space, small_digits_npz: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.arch import largest_arch, sample_arch
    from studio.optimize.nas.progressive import tiny_config
    from studio.optimize.nas.ray_backend import train_supernet_on_ray
    from studio.optimize.nas.runner import prepare_data
    from studio.optimize.nas.supernet import Supernet
    from studio.optimize.nas.trial_eval import evaluate_arch, prepare_trial_data

    torch.manual_seed(0)
    train, val = prepare_data(str(small_digits_npz), 12)
    net = Supernet(tiny_space, 1, 10)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    reports: list[str] = []

    class Ctx:
        cancelled = False

        def progress(self, done: float, total: float, message: str = "") -> None:
            reports.append(message)

        def log(self, message: object) -> None:
            pass

        def check_cancelled(self) -> None:
            pass

    history = train_supernet_on_ray("local", net, train, tiny_config(batch_size=48), Ctx(), 2, tmp_path)
    assert [h["phase"] for h in history] == ["full", "kernel", "depth", "expand"]
    assert any("Ray Train, 2 workers" in m for m in reports)
    assert any(not torch.equal(before[k], v) for k, v in net.state_dict().items())
    data = prepare_trial_data(train, val)
    accs = [evaluate_arch(net, a, data) for a in (largest_arch(tiny_space), sample_arch(tiny_space, random.Random(0)))]
    assert max(accs) > 0.2  # trained, not random (10 classes)


def test_distillation_runs_as_ray_tasks_give_the_local_results(local_ray: None) -> None:
    from studio.data.datasets import load_dataset
    from studio.optimize.distill.compare import run_all, student_data, teacher_outputs
    from studio.optimize.distill.config import DistillConfig
    from studio.workflows.model_handle import as_handle
    from studio.workflows.model_spec import resolve_model_spec

    teacher = as_handle(resolve_model_spec("demo")).load()
    train, val = load_dataset("digits").split(0.2, seed=0)
    train = train.subset(120, seed=0)
    logits, _ = teacher_outputs(teacher, train, False)
    data = student_data((1, 1, 8, 8), train, val, logits, None)
    payloads = [
        {
            "mode": mode,
            "seed": 0,
            "student": "digits-cnn:width=2",
            "num_classes": 10,
            "config": DistillConfig(epochs=2).to_dict(),
            "data": data,
        }
        for mode in ("kd", "baseline")
    ]
    local = run_all(payloads)
    remote = run_all(payloads, ray_address="local")
    assert [(r.mode, r.curve) for r in local] == [(r.mode, r.curve) for r in remote]
