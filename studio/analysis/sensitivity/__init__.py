"""Per-layer sensitivity scans: how accuracy and loss change when one layer at a time is perturbed.

A scan takes a model, its layers, a grid of levels and a :class:`~.perturbation.Perturbation` (pruning at a
sparsity today; quantizing weights to a bit width plugs in the same way) and reports one curve per layer.
The engine (:mod:`.scan`) caches the activations that enter each layer and recomputes only the part of the
network after it (:mod:`.suffix`), so it is several times faster than re-evaluating the whole model, with the
same answer. :mod:`.weights` is the cheap first look that needs no data: weight statistics and histograms.

Nothing here imports torch at import time.
"""

from studio.analysis.sensitivity.perturbation import (
    Perturbation,
    WeightPerturbation,
    known_perturbations,
    make_perturbation,
    register_perturbation,
)
from studio.analysis.sensitivity.result import LayerCurve, ScanResult

__all__ = [
    "LayerCurve",
    "Perturbation",
    "ScanResult",
    "WeightPerturbation",
    "known_perturbations",
    "make_perturbation",
    "register_perturbation",
]
