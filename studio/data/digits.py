"""scikit-learn's handwritten digits (1,797 images of 8x8, 10 classes): the demo data set, offline."""

from __future__ import annotations

import numpy as np

from studio.data.datasets import Dataset

# load_digits stores pixel intensities as integers 0..16.
_DIGITS_MAX = 16.0


def load_digits_dataset() -> Dataset:
    """The digits as float32 images 1x8x8 in [0, 1] with labels 0..9 (named "0".."9")."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (np.asarray(bunch.images, dtype=np.float32) / _DIGITS_MAX)[:, None, :, :]
    y = np.asarray(bunch.target, dtype=np.int64)
    return Dataset(x, y, tuple(str(i) for i in range(10)), "digits")
