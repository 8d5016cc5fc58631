"""What a scan reports: one :class:`LayerCurve` per layer plus the dense baseline, JSON-able both ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LayerCurve:
    """Accuracy (in [0, 1]) and mean cross-entropy ``loss`` of the model with only ``name`` perturbed.

    ``levels`` ascend; ``params`` is the size of the layer's weight (what pruning it by a level removes a
    fraction of).
    """

    name: str
    levels: tuple[float, ...]
    accuracy: tuple[float, ...]
    loss: tuple[float, ...]
    params: int = 0

    def accuracy_at(self, level: float) -> float:
        """Accuracy at ``level`` read off the curve (linear between scanned levels, clamped at the ends)."""
        return float(np.interp(level, self.levels, self.accuracy))

    def loss_at(self, level: float) -> float:
        """Loss at ``level``, interpolated like :meth:`accuracy_at`."""
        return float(np.interp(level, self.levels, self.loss))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "levels": list(self.levels),
            "accuracy": list(self.accuracy),
            "loss": list(self.loss),
            "params": self.params,
        }


@dataclass(frozen=True)
class ScanResult:
    """A whole scan. ``method`` is "cached" (suffix recomputation) or "full" (whole-model re-evaluation);
    ``skipped`` lists ``(layer, reason)`` for layers the perturbation cannot change."""

    perturbation: str
    label: str
    baseline_accuracy: float
    baseline_loss: float
    samples: int
    layers: tuple[LayerCurve, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    method: str = "cached"
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> list[str]:
        """Scanned layer names, in model order."""
        return [c.name for c in self.layers]

    @property
    def levels(self) -> tuple[float, ...]:
        """The level grid (every curve shares it)."""
        return self.layers[0].levels if self.layers else ()

    def curve(self, name: str) -> LayerCurve:
        """The curve of layer ``name``; raises ``KeyError`` when it was not scanned."""
        for c in self.layers:
            if c.name == name:
                return c
        raise KeyError(name)

    def accuracy_matrix(self) -> np.ndarray:
        """Layers x levels accuracies (the heatmap)."""
        return np.array([c.accuracy for c in self.layers], dtype=np.float64).reshape(len(self.layers), -1)

    def same_curves(self, other: ScanResult, loss_tol: float = 0.0) -> bool:
        """True when both scans give the same accuracies exactly and losses within ``loss_tol``."""
        if self.names != other.names or self.levels != other.levels:
            return False
        for a, b in zip(self.layers, other.layers, strict=True):
            if a.accuracy != b.accuracy:
                return False
            if np.max(np.abs(np.subtract(a.loss, b.loss)), initial=0.0) > loss_tol:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``layers`` is what ``tinyml-studio sensitivity --json`` prints."""
        return {
            "perturbation": self.perturbation,
            "label": self.label,
            "baseline": {"accuracy": self.baseline_accuracy, "loss": self.baseline_loss},
            "samples": self.samples,
            "method": self.method,
            "seconds": self.seconds,
            "layers": [c.to_dict() for c in self.layers],
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanResult:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``TypeError``/``ValueError`` on malformed input."""
        layers = tuple(
            LayerCurve(
                str(c["name"]),
                tuple(float(v) for v in c["levels"]),
                tuple(float(v) for v in c["accuracy"]),
                tuple(float(v) for v in c["loss"]),
                int(c.get("params", 0)),
            )
            for c in data["layers"]
        )
        base = data.get("baseline", {})
        return cls(
            perturbation=str(data.get("perturbation", "sparsity")),
            label=str(data.get("label", "sparsity")),
            baseline_accuracy=float(base.get("accuracy", layers[0].accuracy[0] if layers else 0.0)),
            baseline_loss=float(base.get("loss", layers[0].loss[0] if layers else 0.0)),
            samples=int(data.get("samples", 0)),
            layers=layers,
            skipped=tuple((str(s["name"]), str(s["reason"])) for s in data.get("skipped", ())),
            method=str(data.get("method", "cached")),
            seconds=float(data.get("seconds", 0.0)),
        )
