"""Per-layer sparsities for a target, from the sensitivity curves: overall sparsity, size, MACs or an
allowed accuracy drop.

How: every layer starts dense; a greedy loop repeatedly raises by one step (1%) the layer whose next step
costs the least accuracy per weight (or MAC) removed, until the target is met. Drops are read off each
layer's curve, made non-decreasing (a noisy bump must not look like a free lunch), with the loss as the
tie-breaker: on a small validation set many steps cost no accuracy at all, but they do cost loss. Levels
never go beyond the highest level scanned, since nothing is known there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.analysis.sensitivity.result import ScanResult
    from studio.optimize.prune.predict import ModelCosts

TARGET_KINDS = ("sparsity", "size", "macs", "accuracy_drop")
STEP = 0.01
LOSS_WEIGHT = 1e-3  # loss increase counts as a thousandth of the same accuracy drop


class AllocationError(StudioError):
    """A target that cannot be reached from these curves, or a malformed one."""


@dataclass(frozen=True)
class AllocationTarget:
    """``kind`` is one of :data:`TARGET_KINDS`; ``value`` is a fraction for ``sparsity`` (of the prunable
    weights), bytes for ``size``, MACs per sample for ``macs``, and a fraction (0.01 = one point) for
    ``accuracy_drop``."""

    kind: str
    value: float

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise AllocationError(f"unknown allocation target {self.kind!r}; use one of {', '.join(TARGET_KINDS)}")
        if self.value < 0 or (self.kind == "sparsity" and self.value >= 1):
            raise AllocationError(f"target {self.kind} = {self.value} is out of range")

    def describe(self) -> str:
        if self.kind == "sparsity":
            return f"{self.value:.0%} sparsity"
        if self.kind == "accuracy_drop":
            return f"at most {100 * self.value:.1f} points accuracy drop"
        return f"{self.kind} {self.value:,.0f}"


def _damage_tables(scan: ScanResult, names: list[str], grid: np.ndarray) -> np.ndarray:
    rows = []
    for name in names:
        curve = scan.curve(name)
        drop = np.maximum(0.0, scan.baseline_accuracy - np.interp(grid, curve.levels, curve.accuracy))
        loss = np.maximum(0.0, np.interp(grid, curve.levels, curve.loss) - scan.baseline_loss)
        rows.append(np.maximum.accumulate(drop) + LOSS_WEIGHT * np.maximum.accumulate(loss))
    return np.array(rows).reshape(len(names), len(grid))


def allocate(
    scan: ScanResult, costs: ModelCosts, target: AllocationTarget, step: float = STEP, method: str = "magnitude"
) -> dict[str, float]:
    """Layer -> sparsity meeting ``target`` (only layers both scanned and in ``costs``); ``method`` is the
    pruning method the prediction counts for (see :func:`~studio.optimize.prune.predict.predict`).

    Raises :class:`AllocationError` when the target cannot be met within the scanned levels.
    """
    from studio.optimize.prune.predict import predict

    names = [n for n in scan.names if n in costs.layers]
    if not names:
        raise AllocationError("no scanned layer is prunable in this model")
    top = max(scan.levels)
    grid = np.round(np.arange(0.0, top + step / 2, step), 6)
    damage = _damage_tables(scan, names, grid)
    weight_of = np.array(
        [costs.layers[n].macs if target.kind == "macs" else costs.layers[n].params for n in names], dtype=np.float64
    )
    index = np.zeros(len(names), dtype=np.int64)

    def current() -> dict[str, float]:
        return {n: float(grid[i]) for n, i in zip(names, index, strict=True) if i > 0}

    def met(pred: Any) -> bool:
        if target.kind == "sparsity":
            return pred.sparsity >= target.value - 1e-9
        if target.kind == "size":
            return pred.size_bytes <= target.value
        if target.kind == "macs":
            return pred.macs <= target.value
        return False  # accuracy_drop: go as far as the budget allows

    budget = target.value if target.kind == "accuracy_drop" else np.inf
    while not met(predict(costs, current(), scan, method)):
        can_step = index < len(grid) - 1
        if not can_step.any():
            break
        rows = np.arange(len(names))
        nxt = np.minimum(index + 1, len(grid) - 1)
        extra = damage[rows, nxt] - damage[rows, index]
        total_after = damage[rows, index].sum() + extra
        allowed = can_step & (weight_of > 0) & (total_after <= budget + 1e-12)
        if not allowed.any():
            break
        ratio = np.where(allowed, extra / np.maximum(weight_of * step, 1e-12), np.inf)
        index[int(np.argmin(ratio))] += 1
    result = current()
    if target.kind != "accuracy_drop" and not met(predict(costs, result, scan, method)):
        raise AllocationError(
            f"{target.describe()} cannot be reached by pruning the scanned layers up to {top:.0%}; "
            "scan higher levels or set a looser target"
        )
    return result
