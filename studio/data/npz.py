"""Data sets stored as NumPy ``.npz`` archives: arrays ``x`` and ``y``, optionally ``class_names``.

Why be lenient on layout: people save N,H,W grayscale, N,H,W,C (channels last, as most image code does) and
N,C,H,W alike, as uint8 0..255 or floats 0..1. All become float32 N,C,H,W. Pickled object arrays are refused.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from studio.core.errors import DataError
from studio.data.datasets import Dataset

_CHANNEL_COUNTS = (1, 3, 4)


def images_to_nchw(x: np.ndarray, name: str) -> np.ndarray:
    """Images of layout N,H,W / N,H,W,C / N,C,H,W as float32 N,C,H,W, uint8 scaled to [0, 1]."""
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in _CHANNEL_COUNTS and x.shape[3] in _CHANNEL_COUNTS:
        x = x.transpose(0, 3, 1, 2)
    elif x.ndim != 4:
        raise DataError(f"{name}: x must hold images (N,H,W or N,H,W,C or N,C,H,W), got shape {list(x.shape)}")
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    if x.dtype == np.uint16:
        return x.astype(np.float32) / 65535.0
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{name}: x must be numeric, got {x.dtype}")
    return x.astype(np.float32)


def load_npz(path: Path) -> Dataset:
    """Read ``path``. Raises :class:`DataError` if unreadable, without ``x``/``y``, or of unequal lengths."""
    # np.load treats a non-zip file as a pickle: check the zip magic so the error says what is wrong.
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path.name} is not a readable .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in ("x", "y") if k not in archive.files]
            if missing:
                found = ", ".join(archive.files) or "nothing"
                raise DataError(f"{path.name} must hold arrays 'x' and 'y' (found {found})")
            x, y = archive["x"], archive["y"]
            names = archive["class_names"] if "class_names" in archive.files else None
    except DataError:
        raise
    except ValueError as err:  # object arrays need pickle, which stays off
        raise DataError(f"{path.name} holds Python objects (pickled arrays); save plain numeric arrays") from err
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path.name} is not a readable .npz file") from err
    if len(x) != len(y):
        raise DataError(f"{path.name}: x has {len(x)} samples but y has {len(y)}")
    if len(x) == 0:
        raise DataError(f"{path.name} holds no samples")
    y = np.asarray(y).reshape(-1)
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{path.name}: y must hold integer class labels, got {y.dtype}")
    class_names = tuple(str(n) for n in names.reshape(-1)) if names is not None else ()
    return Dataset(images_to_nchw(np.asarray(x), path.name), y, class_names, path.stem)
