"""Fixed-point helpers of the int8 arithmetic, vectorised over numpy int64 arrays holding int32 values.

These are TFLite's (gemmlowp's) definitions, written so that every intermediate fits int64 and the results
are exactly what the C reference computes with int32/int64 integers. See :mod:`studio.int8.reference` for
the full arithmetic of each op.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _i64(x: object) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def saturating_rounding_doubling_high_mul(a: object, b: object) -> np.ndarray:
    """``(a * b + nudge) / 2**31`` truncated toward zero, ``nudge = 2**30`` if ``a*b >= 0`` else ``1 - 2**30``;
    the single overflow case ``a == b == INT32_MIN`` gives ``INT32_MAX``. ``a``, ``b`` int32 values."""
    a64, b64 = np.broadcast_arrays(_i64(a), _i64(b))
    product = a64 * b64  # |a*b| <= 2**62: fits int64
    nudge = np.where(product >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    total = product + nudge
    high = np.where(total >= 0, total >> 31, -((-total) >> 31))  # C's truncating division by 2**31
    overflow = (a64 == INT32_MIN) & (b64 == INT32_MIN)
    return np.where(overflow, np.int64(INT32_MAX), high)


def rounding_divide_by_pot(x: object, exponent: object) -> np.ndarray:
    """``x / 2**exponent`` rounded to nearest, ties away from zero (gemmlowp's ``RoundingDivideByPOT``):
    ``mask = 2**e - 1``, ``remainder = x & mask``, ``threshold = (mask >> 1) + (x < 0)``,
    ``result = (x >> e) + (remainder > threshold)`` with an arithmetic right shift. ``0 <= exponent <= 31``."""
    x64, e64 = np.broadcast_arrays(_i64(x), _i64(exponent))
    if np.any((e64 < 0) | (e64 > 31)):
        raise ValueError("rounding_divide_by_pot: exponent must be in [0, 31]")
    mask = (np.int64(1) << e64) - 1
    remainder = x64 & mask
    threshold = (mask >> 1) + (x64 < 0).astype(np.int64)
    return (x64 >> e64) + (remainder > threshold).astype(np.int64)


def saturating_left_shift(x: object, shift: object) -> np.ndarray:
    """``x * 2**shift`` saturated to the int32 range (``shift >= 0``)."""
    x64, s64 = np.broadcast_arrays(_i64(x), _i64(shift))
    return np.clip(x64 << s64, INT32_MIN, INT32_MAX)


def multiply_by_quantized_multiplier(x: object, multiplier: object, shift: object) -> np.ndarray:
    """TFLite's ``MultiplyByQuantizedMultiplier``: ``x * multiplier * 2**(shift - 31)`` rounded.

    ``left = max(shift, 0)``, ``right = max(-shift, 0)``;
    ``RoundingDivideByPOT(SRDHM(saturating_left_shift(x, left), multiplier), right)``.
    """
    s64 = _i64(shift)
    left = np.maximum(s64, 0)
    right = np.maximum(-s64, 0)
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(saturating_left_shift(x, left), multiplier), right
    )


def quantize_multiplier(real: float) -> tuple[int, int]:
    """``(multiplier, shift)`` with ``real ~= multiplier * 2**(shift - 31)``, multiplier in ``[2**30, 2**31)``.

    TFLite's ``QuantizeMultiplier``: ``frexp`` gives ``real = q * 2**shift`` with ``q`` in [0.5, 1);
    ``multiplier = round(q * 2**31)`` (half away from zero), renormalised if it reaches 2**31. 0 maps to
    ``(0, 0)``; values too small for shift -31 become ``(0, 0)``; shifts above 30 raise ``ValueError``.
    """
    if real < 0 or not math.isfinite(real):
        raise ValueError(f"requantization multiplier must be finite and >= 0, got {real}")
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    fixed = math.floor(q * (1 << 31) + 0.5)
    if fixed == 1 << 31:
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        raise ValueError(f"requantization multiplier {real} is too large (shift {shift} > 30)")
    return fixed, shift


def quantize_multipliers(reals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quantize_multiplier` for each element: int32 multipliers and shifts."""
    pairs = [quantize_multiplier(float(r)) for r in np.asarray(reals, dtype=np.float64).ravel()]
    mult = np.array([p[0] for p in pairs], dtype=np.int64).astype(np.int32)
    shift = np.array([p[1] for p in pairs], dtype=np.int32)
    return mult, shift


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to the nearest integer, ties away from zero (C's ``round``), as float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)
