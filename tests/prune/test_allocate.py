"""Allocation from curves, predictions, and the NetAdapt-style search."""

from __future__ import annotations

import pytest

from studio.analysis.sensitivity.result import LayerCurve, ScanResult
from studio.optimize.prune.allocate import AllocationError, AllocationTarget, allocate
from studio.optimize.prune.predict import LayerCost, ModelCosts, predict
from studio.optimize.prune.search import SearchConfig, netadapt_search
from tests.sensitivity.nets import SkipNet, seeded, self_labelled

LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)


def _scan() -> ScanResult:
    robust = LayerCurve("robust", LEVELS, (0.9, 0.9, 0.9, 0.9, 0.89, 0.88), (0.3,) * 6, 1000)
    fragile = LayerCurve("fragile", LEVELS, (0.9, 0.8, 0.6, 0.4, 0.2, 0.1), (0.3, 0.5, 0.9, 1.5, 2.0, 2.5), 1000)
    return ScanResult("sparsity", "sparsity", 0.9, 0.3, 100, (robust, fragile))


COSTS = ModelCosts(
    {"robust": LayerCost("robust", 1000, 5000), "fragile": LayerCost("fragile", 1000, 1000)}, 2100, 6100, 8400
)


def test_allocation_prunes_the_robust_layer_first_and_meets_the_sparsity_target() -> None:
    result = allocate(_scan(), COSTS, AllocationTarget("sparsity", 0.4))
    assert result["robust"] == pytest.approx(0.8)
    assert result.get("fragile", 0.0) == pytest.approx(0.0)
    assert predict(COSTS, result, _scan()).sparsity == pytest.approx(0.4)


def test_allocation_for_size_macs_and_an_accuracy_budget() -> None:
    size = allocate(_scan(), COSTS, AllocationTarget("size", 8400 - 4 * 1200))
    assert predict(COSTS, size).size_bytes <= 8400 - 4 * 1200
    macs = allocate(_scan(), COSTS, AllocationTarget("macs", 2500))
    assert predict(COSTS, macs).macs <= 2500 and macs["robust"] >= 0.7  # MACs live in the robust layer
    budget = allocate(_scan(), COSTS, AllocationTarget("accuracy_drop", 0.03))
    predicted = predict(COSTS, budget, _scan())
    assert 0.9 - predicted.accuracy <= 0.03 + 1e-9
    assert budget["robust"] == pytest.approx(0.9)  # everything the robust layer can give within the budget


def test_unreachable_or_malformed_targets_raise_one_line_errors() -> None:
    with pytest.raises(AllocationError, match="cannot be reached"):
        allocate(_scan(), COSTS, AllocationTarget("sparsity", 0.95))
    with pytest.raises(AllocationError, match="unknown allocation target"):
        AllocationTarget("latency", 1.0)


def test_prediction_reads_accuracy_off_the_curves() -> None:
    p = predict(COSTS, {"robust": 0.8, "fragile": 0.2}, _scan())
    assert p.accuracy == pytest.approx(0.9 - 0.01 - 0.1)
    assert p.params == 2100 - 1000 and p.macs == 6100 - 4000 - 200


def test_netadapt_search_reaches_the_target_and_keeps_the_model() -> None:
    model = seeded(SkipNet())
    data = self_labelled(model, n=48)
    names = ["stem", "conv1", "conv2", "branch", "fc"]
    costs = ModelCosts({n: LayerCost(n, model.get_submodule(n).weight.numel(), 1) for n in names}, 1221, 5, 4884)
    before = model.conv1.weight.clone()
    result = netadapt_search(model, data, costs, SearchConfig(sparsity=0.5, step=0.1))
    removed = sum(result["sparsities"][n] * costs.layers[n].params for n in result["sparsities"])
    assert removed / costs.prunable_params == pytest.approx(0.5, abs=1e-6)
    assert len(result["history"]) == 5
    assert [h["sparsity"] for h in result["history"]] == sorted(h["sparsity"] for h in result["history"])
    assert (model.conv1.weight == before).all()
