"""A labelled image data set in memory, and :func:`load_dataset`, which reads one from what a user typed.

Why one in-memory array: the data sets an MCU model is checked against are small (thousands of small images),
and every consumer (evaluation, calibration, sensitivity scans, fine-tuning) wants random access in batches.
Images are float32 ``N,C,H,W`` in [0, 1]; labels int64 ``N``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import DataError

DIGITS_WORD = "digits"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images ``x`` (float32 N,C,H,W), labels ``y`` (int64 N), one name per class, and a display name."""

    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...] = ()
    name: str = "data"

    def __post_init__(self) -> None:
        x = np.ascontiguousarray(self.x, dtype=np.float32)
        y = np.ascontiguousarray(self.y, dtype=np.int64)
        if x.ndim != 4:
            raise DataError(f"{self.name}: images must be N,C,H,W, got shape {list(x.shape)}")
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(f"{self.name}: {len(x)} images but {y.size} labels; they must match one to one")
        if len(y) and y.min() < 0:
            raise DataError(f"{self.name}: labels must be 0 or more, got {int(y.min())}")
        names = tuple(str(n) for n in self.class_names)
        if not names:
            names = tuple(str(i) for i in range(int(y.max()) + 1 if len(y) else 0))
        elif len(y) and int(y.max()) >= len(names):
            raise DataError(f"{self.name}: label {int(y.max())} but only {len(names)} class names")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "class_names", names)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """One image's shape, ``(C, H, W)``."""
        return tuple(int(d) for d in self.x.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def take(self, indices: Sequence[int] | np.ndarray, name: str | None = None) -> Dataset:
        """The samples at ``indices`` (in that order), as a new data set with the same classes."""
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(self.x[idx], self.y[idx], self.class_names, name or self.name)

    def split(self, val_fraction: float = 0.2, seed: int = 0) -> tuple[Dataset, Dataset]:
        """``(train, val)``: a stratified split, the same for a given seed, every class in both if it can be.

        Raises :class:`DataError` unless ``0 < val_fraction < 1`` and there are at least two samples.
        """
        if not 0.0 < val_fraction < 1.0:
            raise DataError(f"validation fraction must be between 0 and 1, got {val_fraction}")
        if len(self) < 2:
            raise DataError(f"{self.name}: {len(self)} sample(s) cannot be split into train and validation")
        rng = np.random.default_rng(seed)
        train_idx: list[np.ndarray] = []
        val_idx: list[np.ndarray] = []
        for label in np.unique(self.y):
            members = rng.permutation(np.flatnonzero(self.y == label))
            n_val = round(len(members) * val_fraction)
            if len(members) >= 2:
                n_val = min(max(n_val, 1), len(members) - 1)
            val_idx.append(members[:n_val])
            train_idx.append(members[n_val:])
        train = np.sort(np.concatenate(train_idx))
        val = np.sort(np.concatenate(val_idx))
        return self.take(train, f"{self.name} (train)"), self.take(val, f"{self.name} (val)")

    def subset(self, n: int, seed: int = 0) -> Dataset:
        """``n`` samples drawn without replacement (all of them if there are fewer), e.g. for calibration."""
        if n <= 0:
            raise DataError(f"a subset needs at least one sample, got {n}")
        if n >= len(self):
            return self
        rng = np.random.default_rng(seed)
        return self.take(np.sort(rng.choice(len(self), size=n, replace=False)), f"{self.name} ({n} samples)")

    def adapted_to(self, input_shape: Sequence[int | str | None]) -> Dataset:
        """This data set resized and channel-converted to fit a model's input.

        ``input_shape`` is ``(C, H, W)`` or ``(N, C, H, W)``; a dimension that is not a positive int
        (dynamic) keeps the data's own size. Sizes change by bilinear interpolation; 1 channel becomes 3 by
        repetition and 3 become 1 by luminance. Raises :class:`DataError` when the shape cannot be met (not an
        image input, or another channel count).
        """
        from studio.data.adapt import adapt_images

        x = adapt_images(self.x, tuple(input_shape), self.name)
        if x is self.x:
            return self
        return Dataset(x, self.y, self.class_names, self.name)


def load_dataset(spec: str | Path) -> Dataset:
    """Read a data set: ``"digits"`` (scikit-learn's, offline), a ``.npz`` file or an image folder.

    Raises :class:`DataError` with a one-line reason when the path is missing, empty or unreadable.
    """
    text = str(spec)
    if text == DIGITS_WORD:
        from studio.data.digits import load_digits_dataset

        return load_digits_dataset()
    path = Path(text).expanduser()
    if not path.exists():
        raise DataError(f"data set not found: {text} (expected 'digits', a .npz file or an image folder)")
    if path.is_dir():
        from studio.data.image_folder import load_image_folder

        return load_image_folder(path)
    if path.suffix.lower() == ".npz":
        from studio.data.npz import load_npz

        return load_npz(path)
    raise DataError(f"unsupported data set {path.name}: expected 'digits', a .npz file or an image folder")
