"""Fit images to a model's input: resize (bilinear) and convert channels (1 to 3, 3 to 1).

Why a separate step: a data set is read at its own size (8x8 digits, 32x32 CIFAR-like folders) while models
expect theirs (a LeNet 1x32x32, an ImageNet net 3x224x224); evaluating the zoo on the bundled digits needs
both.
"""

from __future__ import annotations

import numpy as np

from studio.core.errors import DataError

# ITU-R BT.601 luma weights, what image libraries use for RGB -> grayscale.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_RESIZE_CHUNK = 256


def _static(dim: object) -> int | None:
    return dim if isinstance(dim, int) and not isinstance(dim, bool) and dim > 0 else None


def adapt_images(x: np.ndarray, input_shape: tuple[object, ...], name: str = "data") -> np.ndarray:
    """``x`` (N,C,H,W float32) converted to ``input_shape`` (C,H,W or N,C,H,W); ``x`` itself if it fits.

    Raises :class:`DataError` when the model's input is not an image or the channel counts cannot be bridged.
    """
    if len(input_shape) == 4:
        input_shape = input_shape[1:]
    if len(input_shape) != 3:
        dims = "x".join(str(d) for d in input_shape)
        raise DataError(f"{name} holds images (C,H,W) but the model's input is {dims}; it needs an image input")
    want_c, want_h, want_w = (_static(d) for d in input_shape)
    _, c, h, w = x.shape
    want_c = want_c or c
    want_h = want_h or h
    want_w = want_w or w
    if want_c != c:
        x = _convert_channels(x, want_c, name)
    if (want_h, want_w) != (h, w):
        x = _resize(x, want_h, want_w)
    return x


def _convert_channels(x: np.ndarray, channels: int, name: str) -> np.ndarray:
    have = x.shape[1]
    if have == 1 and channels == 3:
        return np.repeat(x, 3, axis=1)
    if have == 3 and channels == 1:
        return np.einsum("nchw,c->nhw", x, _LUMA)[:, None].astype(np.float32)
    raise DataError(
        f"{name} has {have}-channel images but the model expects {channels} channels; "
        "only 1->3 and 3->1 conversions are possible"
    )


def _resize(x: np.ndarray, height: int, width: int) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    # In chunks, so resizing 10k images to 224x224 does not first allocate them all as float64 temporaries.
    parts = []
    with torch.no_grad():
        for start in range(0, len(x), _RESIZE_CHUNK):
            chunk = torch.from_numpy(np.ascontiguousarray(x[start : start + _RESIZE_CHUNK]))
            resized = F.interpolate(chunk, size=(height, width), mode="bilinear", align_corners=False)
            parts.append(resized.numpy())
    if not parts:
        return np.zeros((0, x.shape[1], height, width), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)
