"""The QNN's data: scikit-learn's digits reduced to 2 or 4 classes, downsampled to 4x4, as rotation angles.

Why these classes: QuantumNAT's MNIST-2 task is 3 vs 6 and MNIST-4 is 0-3; the digits set has the same classes
at 8x8. A 2x2 average pool gives 16 pixels in [0, 1]; times pi they are the angles of a 4-qubit encoder.
"""

from __future__ import annotations

import math

import numpy as np

from studio.core.errors import DataError
from studio.data.datasets import Dataset

CLASS_SETS: dict[int, tuple[int, ...]] = {2: (3, 6), 4: (0, 1, 2, 3)}
NUM_FEATURES = 16


def qnn_digits(num_classes: int) -> Dataset:
    """Digits of the class set for ``num_classes`` (2 or 4) as 1x4x4 images in [0, 1], labels 0..k-1.

    Raises :class:`DataError` for another number of classes.
    """
    from studio.data.datasets import load_dataset

    if num_classes not in CLASS_SETS:
        raise DataError(f"the QNN classifies 2 or 4 digit classes, not {num_classes}")
    digits = load_dataset("digits")
    wanted = CLASS_SETS[num_classes]
    keep = np.flatnonzero(np.isin(digits.y, wanted))
    x = digits.x[keep].reshape(-1, 1, 4, 2, 4, 2).mean(axis=(3, 5))
    relabel = {d: k for k, d in enumerate(wanted)}
    y = np.array([relabel[int(v)] for v in digits.y[keep]], dtype=np.int64)
    return Dataset(x.astype(np.float32), y, tuple(str(d) for d in wanted), f"digits {'/'.join(map(str, wanted))}")


def encode_angles(x: np.ndarray | object) -> object:
    """Images ``(N, 1, 4, 4)`` (numpy or torch) -> ``(N, 16)`` angles ``pi * pixel``."""
    return x.reshape(x.shape[0], NUM_FEATURES) * math.pi  # type: ignore[attr-defined]
