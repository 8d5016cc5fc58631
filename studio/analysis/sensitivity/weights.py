"""The first look that needs no data: per-layer weight magnitude statistics and histograms.

Why it is worth showing before a scan: layers whose weights are mostly near zero (or already zero after a
pruning step) are cheap to prune, and a histogram before and after shows what a method actually removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.analysis.sensitivity.layers import weight_layers

if TYPE_CHECKING:
    from torch import nn

HISTOGRAM_BINS = 41


@dataclass(frozen=True)
class WeightStats:
    """One layer's weight: element count, zeros, mean |w|, std, max |w|, and a histogram of the values.

    ``edges`` has one more entry than ``counts``; the bins are symmetric around zero.
    """

    name: str
    shape: tuple[int, ...]
    count: int
    zeros: int
    mean_abs: float
    std: float
    max_abs: float
    counts: tuple[int, ...]
    edges: tuple[float, ...]

    @property
    def sparsity(self) -> float:
        """Fraction of exact zeros."""
        return self.zeros / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "count": self.count,
            "zeros": self.zeros,
            "sparsity": self.sparsity,
            "mean_abs": self.mean_abs,
            "std": self.std,
            "max_abs": self.max_abs,
            "histogram": {"counts": list(self.counts), "edges": list(self.edges)},
        }


def weight_stats_of(name: str, weight: np.ndarray, bins: int = HISTOGRAM_BINS) -> WeightStats:
    """Statistics of one weight array (any shape)."""
    w = np.asarray(weight, dtype=np.float64).ravel()
    max_abs = float(np.abs(w).max()) if w.size else 0.0
    edge = max_abs or 1.0
    counts, edges = np.histogram(w, bins=bins, range=(-edge, edge))
    return WeightStats(
        name=name,
        shape=tuple(int(d) for d in np.shape(weight)),
        count=int(w.size),
        zeros=int(np.count_nonzero(w == 0)),
        mean_abs=float(np.abs(w).mean()) if w.size else 0.0,
        std=float(w.std()) if w.size else 0.0,
        max_abs=max_abs,
        counts=tuple(int(c) for c in counts),
        edges=tuple(float(e) for e in edges),
    )


def weight_stats(model: nn.Module, bins: int = HISTOGRAM_BINS) -> list[WeightStats]:
    """:class:`WeightStats` of every layer with a kernel (weight of two or more dimensions), in model order."""
    out = []
    for name in weight_layers(model):
        weight = model.get_submodule(name).weight
        if weight.dim() >= 2:
            out.append(weight_stats_of(name, weight.detach().cpu().numpy(), bins))
    return out
