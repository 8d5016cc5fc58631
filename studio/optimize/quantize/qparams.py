"""Quantization parameters: the (scale, zero point, code range) of a tensor from its real range and bit width.

Why here, apart from the methods: PTQ, QAT, the mixed-precision scan, the int8 lowering and the ONNX export all
derive their grids from these few functions, so the simulated model and the exported one use the same grid.
An int8 activation with zero point ``z`` is exactly the uint8 activation with zero point ``z + 128``, which
is what the ONNX export uses where onnxruntime is fast only with unsigned activations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.core.errors import StudioError

SUPPORTED_WEIGHT_BITS = (2, 3, 4, 5, 6, 7, 8)


class QuantConfigError(StudioError):
    """A quantization setting is out of range (bits, percentile, layer name ...)."""


@dataclass(frozen=True)
class AffineQParams:
    """``real = scale * (q - zero_point)`` with codes ``q`` in ``[qmin, qmax]``; arrays are per channel."""

    scale: np.ndarray
    zero_point: np.ndarray
    qmin: int
    qmax: int


def check_bits(bits: int, what: str = "weights") -> int:
    """``bits`` if it is 2..8, else :class:`QuantConfigError`."""
    if int(bits) != bits or not 2 <= bits <= 8:
        raise QuantConfigError(f"{what}: bit width must be 2 to 8, got {bits}")
    return int(bits)


def code_range(bits: int, symmetric: bool) -> tuple[int, int]:
    """Signed code range: ``[-(2^(b-1)-1), 2^(b-1)-1]`` symmetric (restricted, as TFLite weights), else
    ``[-2^(b-1), 2^(b-1)-1]``."""
    half = 2 ** (bits - 1)
    return (-(half - 1), half - 1) if symmetric else (-half, half - 1)


def affine_from_range(lo: np.ndarray | float, hi: np.ndarray | float, bits: int, symmetric: bool) -> AffineQParams:
    """Grid covering ``[lo, hi]`` (widened to contain 0, so 0 is exact: zero padding, ReLU).

    Symmetric: zero point 0, ``scale = max(|lo|, |hi|) / qmax``. Asymmetric: ``scale = (hi - lo) / (qmax -
    qmin)``, ``zero_point = round(qmin - lo / scale)`` clamped to the code range. A zero range gets scale 1e-8
    (every value is 0 then) rather than a division by zero.
    """
    lo = np.minimum(np.asarray(lo, dtype=np.float64), 0.0)
    hi = np.maximum(np.asarray(hi, dtype=np.float64), 0.0)
    qmin, qmax = code_range(bits, symmetric)
    if symmetric:
        scale = np.maximum(np.abs(lo), np.abs(hi)) / qmax
        zero = np.zeros_like(scale)
    else:
        scale = (hi - lo) / (qmax - qmin)
    scale = np.where(scale > 0, scale, 1e-8)
    if not symmetric:
        zero = np.clip(np.floor(qmin - lo / scale + 0.5), qmin, qmax)
    return AffineQParams(scale, zero.astype(np.int64), qmin, qmax)


def activation_qparams(lo: float, hi: float, bits: int = 8) -> tuple[float, int]:
    """Per-tensor asymmetric signed activation grid: ``(scale, zero_point)``."""
    q = affine_from_range(lo, hi, bits, symmetric=False)
    return float(q.scale), int(q.zero_point)


def weight_qparams(
    weight: np.ndarray, bits: int, per_channel: bool = True, symmetric: bool = True, method: str = "minmax"
) -> AffineQParams:
    """Grid of a weight tensor (output channels first): per output channel or one for the tensor.

    ``method`` "minmax" covers every weight; "mse" shrinks each channel's range to the clipping ratio (of 50
    from 0.05 to 1, log-spaced) with the least squared error, which matters at 4 bits and below.
    """
    w = np.asarray(weight, dtype=np.float64)
    flat = w.reshape(w.shape[0], -1) if per_channel else w.reshape(1, -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    if method == "mse":
        lo, hi = _mse_clip(flat, lo, hi, bits, symmetric)
    elif method != "minmax":
        raise QuantConfigError(f"unknown weight range method {method!r} (minmax or mse)")
    q = affine_from_range(lo, hi, bits, symmetric)
    if not per_channel:
        n = w.shape[0]
        q = AffineQParams(np.repeat(q.scale, n), np.repeat(q.zero_point, n), q.qmin, q.qmax)
    return q


def _mse_clip(
    flat: np.ndarray, lo: np.ndarray, hi: np.ndarray, bits: int, symmetric: bool
) -> tuple[np.ndarray, np.ndarray]:
    best_err = np.full(len(flat), np.inf)
    best_lo, best_hi = lo.copy(), hi.copy()
    for ratio in np.geomspace(0.05, 1.0, 50):
        q = affine_from_range(lo * ratio, hi * ratio, bits, symmetric)
        err = ((fake_quant_np(flat, q.scale[:, None], q.zero_point[:, None], q.qmin, q.qmax) - flat) ** 2).mean(axis=1)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        best_lo = np.where(better, lo * ratio, best_lo)
        best_hi = np.where(better, hi * ratio, best_hi)
    return best_lo, best_hi


def fake_quant_np(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, qmin: int, qmax: int) -> np.ndarray:
    """Quantize and dequantize in numpy (round half to even, as torch.round)."""
    q = np.clip(np.rint(x / scale) + zero_point, qmin, qmax)
    return (q - zero_point) * scale


def fake_quant(x: Any, scale: float, zero_point: int, qmin: int, qmax: int) -> Any:
    """Quantize-dequantize a torch tensor on one grid (torch's own op: round half to even, saturate).

    Its gradient is the clipped straight-through estimator of QAT: 1 inside the grid's range, 0 outside.
    """
    import torch

    return torch.fake_quantize_per_tensor_affine(x, float(scale), int(zero_point), qmin, qmax)


def fake_quant_per_channel(w: Any, scale: Any, zero_point: Any, qmin: int, qmax: int) -> Any:
    """:func:`fake_quant` with one grid per output channel (axis 0); ``scale`` float32 and ``zero_point``
    int32 1-D tensors."""
    import torch

    return torch.fake_quantize_per_channel_affine(w, scale, zero_point, 0, qmin, qmax)


def quantized_weight_bytes(params: int, bits: int, channels: int) -> int:
    """Bytes of ``params`` weights stored at ``bits`` each plus one float32 scale per channel."""
    return (params * bits + 7) // 8 + 4 * channels
