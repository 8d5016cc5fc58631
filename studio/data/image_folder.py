"""Image folders: one subfolder per class (``root/cat/001.png``, ``root/dog/002.png`` ...), as torchvision's.

Why these formats: PNG is decoded by :mod:`studio.data.png` when Pillow is missing; JPEG, BMP and the rest
need Pillow; ``.npy`` files (one H,W or H,W,C or C,H,W array each) always work. Images of mixed sizes are
resized to the most common size, grayscale ones repeated to RGB when the folder mixes both, alpha dropped.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from studio.core.errors import DataError
from studio.data.datasets import Dataset

PILLOW_SUFFIXES = frozenset({".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
IMAGE_SUFFIXES = frozenset({".png", ".npy"}) | PILLOW_SUFFIXES


def _pillow_available() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


def read_image(path: Path) -> np.ndarray:
    """One image as float32 H,W,C in [0, 1] (alpha kept); raises :class:`DataError` if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path)
    if _pillow_available():
        return _read_with_pillow(path)
    if suffix == ".png":
        from studio.data.png import read_png

        return read_png(path)
    raise DataError(f"reading {suffix} images needs Pillow (pip install pillow); PNG and .npy work without it")


def _read_with_pillow(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.mode not in ("L", "LA", "RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            array = np.asarray(image, dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as err:
        raise DataError(f"{path.name} is not a readable image") from err
    return array[..., None] if array.ndim == 2 else array


def _read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"{path.name} is not a readable .npy array of numbers") from err
    if array.ndim == 2:
        array = array[..., None]
    elif array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[2] not in (1, 3, 4):
        array = array.transpose(1, 2, 0)  # stored C,H,W
    elif array.ndim != 3:
        raise DataError(f"{path.name}: expected an H,W or H,W,C image, got shape {list(array.shape)}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return array.astype(np.float32)


def _colour(image: np.ndarray) -> np.ndarray:
    channels = image.shape[2]
    if channels == 2:  # gray + alpha
        return image[..., :1]
    if channels == 4:
        return image[..., :3]
    return image


def load_image_folder(root: Path) -> Dataset:
    """All images under ``root``'s class subfolders, labelled by the subfolder's (sorted) position.

    Raises :class:`DataError` when ``root`` has no class subfolders or no images, or one image is unreadable.
    """
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"image folder {root} is empty: expected one subfolder of images per class")
    files: list[tuple[Path, int]] = []
    for label, folder in enumerate(classes):
        files += [(f, label) for f in sorted(folder.iterdir()) if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        kinds = ", ".join(sorted(IMAGE_SUFFIXES))
        raise DataError(f"image folder {root} holds no images ({kinds}) in its class subfolders")
    images = [_colour(read_image(path)) for path, _ in files]
    x = _stack(images)
    y = np.array([label for _, label in files], dtype=np.int64)
    return Dataset(x, y, tuple(c.name for c in classes), root.name)


def _stack(images: list[np.ndarray]) -> np.ndarray:
    from studio.data.adapt import adapt_images

    channels = max(image.shape[2] for image in images)
    height, width = Counter(image.shape[:2] for image in images).most_common(1)[0][0]
    chw = []
    for image in images:
        one = image.transpose(2, 0, 1)[None]
        chw.append(adapt_images(np.ascontiguousarray(one), (channels, height, width))[0])
    return np.stack(chw)
