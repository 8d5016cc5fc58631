"""Predicted parameters, size, MACs and accuracy of a model for per-layer sparsities, in microseconds.

Why a prediction and not a measurement: the user drags a slider and wants the numbers at once. Accuracy is
read off the sensitivity curves (layer drops added up, the usual first-order assumption); parameters, bytes
and MACs scale with each layer's kept fraction (zero weights are skipped by a sparse kernel and stored as
nothing; channel pruning also shrinks the next layer's inputs, which this leaves out, so it under-promises).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.analysis.sensitivity.result import ScanResult

BYTES_PER_WEIGHT = 4


@dataclass(frozen=True)
class LayerCost:
    """A prunable layer's weight count and the MACs of its node(s), per sample."""

    name: str
    params: int
    macs: int


@dataclass(frozen=True)
class ModelCosts:
    """Every prunable layer's cost plus the whole model's totals (params, MACs, weight bytes)."""

    layers: dict[str, LayerCost]
    params: int
    macs: int
    weight_bytes: int

    @property
    def prunable_params(self) -> int:
        return sum(c.params for c in self.layers.values())


@dataclass(frozen=True)
class Prediction:
    """What the model would be after pruning: nonzero ``params``, ``size_bytes`` of weights, ``macs``,
    ``accuracy`` (``None`` without a scan) and ``sparsity`` over the prunable layers."""

    params: int
    size_bytes: int
    macs: int
    accuracy: float | None
    sparsity: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "size_bytes": self.size_bytes,
            "macs": self.macs,
            "accuracy": self.accuracy,
            "sparsity": self.sparsity,
        }


def model_costs(profile: Any, module: Any, names: list[str]) -> ModelCosts:
    """:class:`ModelCosts` of ``names`` from a :class:`~studio.analysis.profile.ModelProfile` and the module.

    A layer's MACs are those of the profile rows whose ``module`` is the layer (or inside it).
    """
    macs: dict[str, int] = dict.fromkeys(names, 0)
    for row in profile.layers:
        owner = row.module or ""
        for name in names:
            if owner == name or owner.startswith(name + "."):
                macs[name] += int(row.macs)
    layers = {n: LayerCost(n, int(module.get_submodule(n).weight.numel()), macs[n]) for n in names}
    t = profile.total
    return ModelCosts(layers, int(t.params), int(t.macs), int(t.weight_bytes))


def accuracy_drop(scan: ScanResult, name: str, level: float) -> float:
    """How much accuracy layer ``name`` alone loses at ``level`` (never negative)."""
    return max(0.0, scan.baseline_accuracy - scan.curve(name).accuracy_at(level))


def predict(costs: ModelCosts, sparsities: dict[str, float], scan: ScanResult | None = None) -> Prediction:
    """The :class:`Prediction` for ``sparsities`` (layer -> fraction removed; missing layers stay dense)."""
    removed_params = 0.0
    removed_macs = 0.0
    drop = 0.0
    for name, level in sparsities.items():
        cost = costs.layers.get(name)
        if cost is None or level <= 0:
            continue
        removed_params += level * cost.params
        removed_macs += level * cost.macs
        if scan is not None and name in scan.names:
            drop += accuracy_drop(scan, name, level)
    accuracy = None if scan is None else max(0.0, scan.baseline_accuracy - drop)
    prunable = costs.prunable_params
    return Prediction(
        params=round(costs.params - removed_params),
        size_bytes=round(costs.weight_bytes - BYTES_PER_WEIGHT * removed_params),
        macs=round(costs.macs - removed_macs),
        accuracy=accuracy,
        sparsity=removed_params / prunable if prunable else 0.0,
    )
