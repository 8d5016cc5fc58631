"""What a pruning method did: per layer, the weights (or channels) before and after, and what it skipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LayerPruned:
    """One changed layer: its weight's element count before and after, and the nonzero count after."""

    name: str
    params_before: int
    params_after: int
    nonzero_after: int
    channels_before: int | None = None
    channels_after: int | None = None

    @property
    def sparsity(self) -> float:
        """Fraction of the original weights that are gone (removed or zero)."""
        return 1.0 - self.nonzero_after / self.params_before if self.params_before else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "params_before": self.params_before,
            "params_after": self.params_after,
            "nonzero_after": self.nonzero_after,
            "sparsity": self.sparsity,
        }
        if self.channels_before is not None:
            out["channels_before"] = self.channels_before
            out["channels_after"] = self.channels_after
        return out


@dataclass(frozen=True)
class PruneReport:
    """``layers`` changed, ``skipped`` as ``(layer, reason)``; ``method`` names the config's method."""

    method: str
    layers: tuple[LayerPruned, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def sparsity(self) -> float:
        """Weights gone over the weights of the changed layers."""
        before = sum(la.params_before for la in self.layers)
        return 1.0 - sum(la.nonzero_after for la in self.layers) / before if before else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "sparsity": self.sparsity,
            "layers": [la.to_dict() for la in self.layers],
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
        }
