"""The scan engine: cached suffix recomputation gives exactly the straightforward loop's curves."""

from __future__ import annotations

import threading

import pytest
import torch

from studio.analysis.sensitivity.perturbation import (
    MagnitudeSparsity,
    PerturbationError,
    WeightPerturbation,
    make_perturbation,
)
from studio.analysis.sensitivity.scan import ScanConfig, scan_sensitivity, straightforward_scan
from studio.analysis.sensitivity.suffix import TraceError, plan_suffix, traced_copy
from studio.core.errors import StudioError
from studio.core.runners.context import JobCancelled
from tests.sensitivity.nets import BranchyNet, SkipNet, seeded, self_labelled

LEVELS = (0.0, 0.3, 0.6, 0.9)


@pytest.fixture(autouse=True)
def _two_threads() -> None:
    torch.set_num_threads(2)


def _state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("workers", [1, 2])
def test_cached_scan_equals_the_straightforward_loop_on_a_graph_with_skips(workers: int) -> None:
    model = seeded(SkipNet())
    data = self_labelled(model)
    before = _state(model)
    config = ScanConfig(levels=LEVELS, batch_size=40, workers=workers)
    fast = scan_sensitivity(model, data, MagnitudeSparsity(), config=config)
    slow = straightforward_scan(model, data, MagnitudeSparsity(), None, config)
    assert fast.method == "cached" and slow.method == "full"
    assert fast.names == ["stem", "conv1", "conv2", "branch", "fc"]
    assert fast.same_curves(slow)  # bit for bit: accuracy and loss
    assert all(c.accuracy[0] == 1.0 for c in fast.layers)  # level 0 is the dense model for every layer
    assert fast.curve("stem").accuracy[-1] < 1.0  # and pruning 90% of the stem does hurt
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_suffix_of_a_late_layer_leaves_out_the_prefix() -> None:
    gm = traced_copy(seeded(SkipNet()))
    late = plan_suffix(gm, "fc", {"weight"})
    early = plan_suffix(gm, "stem", {"weight"})
    assert len(late.suffix.graph.nodes) < len(early.suffix.graph.nodes) / 3
    assert early.frontier == ["x"]  # the stem sees the model input only
    # the skip branch rejoins after conv2: conv1's part needs its input only, since the add reads it too
    assert plan_suffix(gm, "conv1", {"weight"}).frontier == ["relu"]


def test_traced_copy_has_no_in_place_ops_and_the_model_keeps_its_own() -> None:
    model = seeded(SkipNet())
    gm = traced_copy(model)
    assert model.relu.inplace is True
    assert not any(getattr(m, "inplace", False) for m in gm.modules())
    assert all(not str(n.target).startswith("i") or n.op != "call_function" for n in gm.graph.nodes)


def test_untraceable_model_falls_back_to_full_evaluation_with_the_same_curves() -> None:
    model = seeded(BranchyNet())
    data = self_labelled(model)
    with pytest.raises(TraceError):
        traced_copy(model)
    config = ScanConfig(levels=LEVELS, batch_size=50)
    result = scan_sensitivity(model, data, MagnitudeSparsity(), config=config)
    assert result.method == "full"
    assert result.same_curves(straightforward_scan(model, data, MagnitudeSparsity(), None, config))
    with pytest.raises(TraceError):
        scan_sensitivity(model, data, MagnitudeSparsity(), config=ScanConfig(levels=LEVELS, method="cached"))


def test_exported_program_module_scans_like_the_original() -> None:
    model = seeded(SkipNet())
    data = self_labelled(model)
    program = torch.export.export(model, (torch.zeros(1, 3, 8, 8),), strict=False)
    exported = program.module()
    config = ScanConfig(levels=LEVELS, batch_size=1)  # exported with a batch of one
    data = data.take(range(12))
    fast = scan_sensitivity(exported, data, MagnitudeSparsity(), config=config)
    assert fast.method == "cached"
    assert fast.same_curves(straightforward_scan(exported, data, MagnitudeSparsity(), None, config))
    assert fast.names == ["stem", "conv1", "conv2", "branch", "fc"]


def test_a_custom_perturbation_plugs_in() -> None:
    class SignOnly(WeightPerturbation):
        """Weights replaced by level * sign(w): a stand-in for "quantize to b bits"."""

        name = "sign"
        label = "scale"

        def transform(self, weight: torch.Tensor, level: float) -> torch.Tensor:
            return torch.sign(weight) * level

    model = seeded(SkipNet())
    data = self_labelled(model)
    config = ScanConfig(levels=(0.1, 0.3), batch_size=96)
    fast = scan_sensitivity(model, data, SignOnly(), ["conv1", "fc"], config)
    assert fast.perturbation == "sign" and fast.names == ["conv1", "fc"]
    assert fast.same_curves(straightforward_scan(model, data, SignOnly(), ["conv1", "fc"], config))


def test_bad_levels_and_layers_are_reported_not_crashed() -> None:
    model = seeded(SkipNet())
    data = self_labelled(model)
    with pytest.raises(PerturbationError, match="below 1"):
        scan_sensitivity(model, data, MagnitudeSparsity(), config=ScanConfig(levels=(0.5, 1.0)))
    result = scan_sensitivity(model, data, MagnitudeSparsity(), ["fc", "bn", "nope"], ScanConfig(levels=(0.0, 0.5)))
    assert result.names == ["fc"]
    reasons = dict(result.skipped)
    assert "vector" in reasons["bn"] and "no such layer" in reasons["nope"]
    with pytest.raises(StudioError, match="no layer can be scanned"):
        scan_sensitivity(model, data, MagnitudeSparsity(), ["bn"], ScanConfig(levels=(0.5,)))
    with pytest.raises(PerturbationError, match="unknown perturbation"):
        make_perturbation("nonsense")


class _Ctx:
    def __init__(self, cancel_after: int) -> None:
        self.reports: list[tuple[float, float]] = []
        self.cancel_after = cancel_after
        self._flag = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def check_cancelled(self) -> None:
        if self._flag.is_set():
            raise JobCancelled()

    def progress(self, done: float, total: float, message: str = "") -> None:
        self.reports.append((done, total))
        if len(self.reports) >= self.cancel_after:
            self._flag.set()

    def log(self, line: str) -> None:
        pass


def test_scan_reports_progress_and_stops_on_cancel() -> None:
    model = seeded(SkipNet())
    data = self_labelled(model)
    ctx = _Ctx(cancel_after=10**6)
    scan_sensitivity(model, data, MagnitudeSparsity(), config=ScanConfig(levels=LEVELS), ctx=ctx)
    assert ctx.reports[-1] == (15, 15)  # 5 layers x 3 non-zero levels
    ctx = _Ctx(cancel_after=3)
    with pytest.raises(JobCancelled):
        scan_sensitivity(model, data, MagnitudeSparsity(), config=ScanConfig(levels=LEVELS, workers=1), ctx=ctx)
    assert len(ctx.reports) < 15
