"""Predicted parameters, size, MACs and accuracy of a model for per-layer sparsities, in microseconds.

Why a prediction and not a measurement: the user drags a slider and wants the numbers at once. Accuracy is
read off the sensitivity curves (layer drops added up, the usual first-order assumption). For fine-grained
and N:M sparsity, parameters, bytes and MACs scale with each layer's kept fraction (zero weights are skipped
by a sparse kernel and stored as nothing). For channel pruning, with the model's
:class:`~studio.optimize.prune.channel_costs.ChannelStructure` in the costs, every module the removed
channels reach shrinks too: its batch norm, the next layer's inputs, residual partners (without the
structure the prediction counts the pruned layers alone and under-promises).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.analysis.sensitivity.result import ScanResult
    from studio.optimize.prune.channel_costs import ChannelStructure

BYTES_PER_WEIGHT = 4


@dataclass(frozen=True)
class LayerCost:
    """A prunable layer's weight count and the MACs of its node(s), per sample."""

    name: str
    params: int
    macs: int


@dataclass(frozen=True)
class ModuleCost:
    """One module's parameters as the profile counts them, the part of them that is a kernel (scales with
    both inputs and outputs; the rest, biases and norm vectors, scales with outputs), its MACs, and the
    bytes of its constants (norm statistics included, which ``params`` leaves out)."""

    params: int
    kernel_params: int
    macs: int
    weight_bytes: int = 0


@dataclass(frozen=True)
class ModelCosts:
    """Every prunable layer's cost plus the whole model's totals (params, MACs, weight bytes).

    ``modules`` holds the cost of every module with parameters (what channel pruning can shrink);
    ``channels`` the model's channel dependencies once known (``None`` before).
    """

    layers: dict[str, LayerCost]
    params: int
    macs: int
    weight_bytes: int
    modules: dict[str, ModuleCost] = field(default_factory=dict)
    channels: ChannelStructure | None = None

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
    return ModelCosts(layers, int(t.params), int(t.macs), int(t.weight_bytes), _module_costs(profile, module))


def _module_costs(profile: Any, module: Any) -> dict[str, ModuleCost]:
    rows: dict[str, list[int]] = {}
    for row in profile.layers:
        if row.module and (row.params or row.macs):
            entry = rows.setdefault(row.module, [0, 0, 0])
            entry[0] += int(row.params)
            entry[1] += int(row.macs)
            entry[2] += int(row.weight_bytes)
    out = {}
    for name, (params, macs, nbytes) in rows.items():
        try:
            weight = getattr(module.get_submodule(name), "weight", None)
        except AttributeError:
            continue
        kernel = int(weight.numel()) if weight is not None and weight.dim() >= 2 else 0
        out[name] = ModuleCost(params, min(kernel, params), macs, nbytes)
    return out


def accuracy_drop(scan: ScanResult, name: str, level: float) -> float:
    """How much accuracy layer ``name`` alone loses at ``level`` (never negative)."""
    return max(0.0, scan.baseline_accuracy - scan.curve(name).accuracy_at(level))


def predict(
    costs: ModelCosts, sparsities: dict[str, float], scan: ScanResult | None = None, method: str = "magnitude"
) -> Prediction:
    """The :class:`Prediction` for ``sparsities`` (layer -> fraction removed; missing layers stay dense).

    ``method`` "channel" with ``costs.channels`` known counts what the removed channels take with them.
    """
    drop = 0.0
    for name, level in sparsities.items():
        if level > 0 and name in costs.layers and scan is not None and name in scan.names:
            drop += accuracy_drop(scan, name, level)
    accuracy = None if scan is None else max(0.0, scan.baseline_accuracy - drop)
    if method == "channel" and costs.channels is not None:
        removed_params, removed_macs, removed_prunable, removed_bytes = _channel_removal(costs, sparsities)
    else:
        removed_params = removed_macs = 0.0
        for name, level in sparsities.items():
            cost = costs.layers.get(name)
            if cost is not None and level > 0:
                removed_params += level * cost.params
                removed_macs += level * cost.macs
        removed_prunable = removed_params
        removed_bytes = BYTES_PER_WEIGHT * removed_params
    prunable = costs.prunable_params
    return Prediction(
        params=round(costs.params - removed_params),
        size_bytes=round(costs.weight_bytes - removed_bytes),
        macs=round(costs.macs - removed_macs),
        accuracy=accuracy,
        sparsity=removed_prunable / prunable if prunable else 0.0,
    )


def _channel_removal(costs: ModelCosts, sparsities: dict[str, float]) -> tuple[float, float, float, float]:
    """``(params, MACs, prunable-layer weights, bytes)`` removed when channels take everything they reach."""
    assert costs.channels is not None
    params = macs = prunable = nbytes = 0.0
    for name, (kept_out, kept_in) in costs.channels.kept_factors(sparsities).items():
        cost = costs.modules.get(name)
        if cost is None:
            continue
        kernel_kept = cost.kernel_params * kept_out * kept_in
        rest = cost.params - cost.kernel_params
        removed = cost.params - kernel_kept - rest * kept_out
        params += removed
        macs += cost.macs * (1.0 - (kept_out * kept_in if cost.kernel_params else kept_out))
        # bytes: the kernel as counted, everything else (bias, norm vectors and statistics) with the outputs
        kernel_bytes = BYTES_PER_WEIGHT * cost.kernel_params
        nbytes += (kernel_bytes - BYTES_PER_WEIGHT * kernel_kept) + (cost.weight_bytes - kernel_bytes) * (1 - kept_out)
        if name in costs.layers:
            prunable += cost.kernel_params - kernel_kept
    return params, macs, prunable, nbytes
