"""The integer-only reference executor of the int8 IR: the single source of truth for deployed code.

Generated C code must produce the same int8 bytes, for every tensor, as :func:`run_int8`. The arithmetic,
exactly (all integers; ``x`` is an input code, ``zp``/``scale`` as in :mod:`studio.int8.ir`):

**Fixed point** (TFLite / gemmlowp, :mod:`studio.int8.fixed_point`):

- ``SRDHM(a, b)`` (SaturatingRoundingDoublingHighMul) for int32 ``a, b``: ``p = (int64) a * b``;
  ``nudge = p >= 0 ? 2^30 : 1 - 2^30``; result ``(p + nudge) / 2^31`` with C division (truncation toward
  zero); ``a == b == INT32_MIN`` gives ``INT32_MAX``.
- ``RDBPOT(x, e)`` (RoundingDivideByPOT), ``0 <= e <= 31``: ``mask = 2^e - 1``; ``rem = x & mask``;
  ``threshold = (mask >> 1) + (x < 0 ? 1 : 0)``; result ``(x >> e) + (rem > threshold ? 1 : 0)`` with an
  arithmetic right shift (rounds to nearest, ties away from zero).
- ``MBQM(x, m, s)`` (MultiplyByQuantizedMultiplier): ``left = max(s, 0)``, ``right = max(-s, 0)``;
  ``RDBPOT(SRDHM(sat32(x * 2^left), m), right)`` where ``sat32`` clamps to [INT32_MIN, INT32_MAX].

**Conv2D** (output ``(oy, ox, c)``): ``acc = bias[c] + sum_{ky,kx,i} (x[iy, ix, g*Cin_g + i] - zp_in) *
w[c, ky, kx, i]`` with ``iy = oy*stride_h - pad_top + ky*dilation_h`` (likewise ``ix``), ``g = c //
(Cout/groups)``; positions outside the input contribute 0 (they hold ``zp_in``). The lowerer guarantees the
accumulator fits int32 (checked in :class:`~studio.int8.ir.Conv2D`). Then ``y = MBQM(acc, multiplier[c],
shift[c]) + zp_out``, ``out = min(max(y, act_min), act_max)`` as int8.

**FullyConnected**: the same with the input flattened in NHWC order: ``acc = bias[c] + sum_i (x[i] - zp_in)
* w[c, i]``.

**MaxPool2D**: ``max`` of the valid codes in the window (padding ignored), then clamped.
**AveragePool2D**: ``s`` = sum of the valid codes, ``n`` their count; ``avg = s > 0 ? (s + n/2) / n : (s -
n/2) / n`` (C integer division), then clamped. Input and output share scale and zero point.

**Add**: ``a = MBQM(sat32((x1 - zp1) * 2^left_shift), m1, s1)``, ``b`` likewise, ``y = MBQM(a + b, m_out,
s_out) + zp_out``, clamped (TFLite's int8 ADD, ``left_shift`` = 20).

**Concat**: per input ``y = MBQM(x_i - zp_i, m_i, s_i) + zp_out``, clamped to int8, then joined.
**Reshape**: the same bytes.

Input codes come from :func:`quantize` (``round(real / scale) + zp``, ties away from zero, saturated) and
outputs are read back with :func:`dequantize`; both are host-side conveniences, not part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from studio.int8.fixed_point import multiply_by_quantized_multiplier, round_half_away, saturating_left_shift
from studio.int8.ir import INT8_MAX, INT8_MIN, Int8Model, Int8ModelError, TensorSpec


def quantize(real: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Real values to int8 codes: ``clamp(round(real / scale) + zero_point)`` (ties away from zero)."""
    q = round_half_away(np.asarray(real, dtype=np.float64) / scale) + zero_point
    return np.clip(q, INT8_MIN, INT8_MAX).astype(np.int8)


def dequantize(codes: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8 codes to real values (float32): ``scale * (codes - zero_point)``."""
    return (scale * (np.asarray(codes, dtype=np.float64) - zero_point)).astype(np.float32)


def _saturate(y: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(y, lo, hi).astype(np.int8)


def _requantize(acc: np.ndarray, op: Any, zp_out: int) -> np.ndarray:
    # acc: (..., Cout) int64 holding int32 values; per-channel multiplier/shift broadcast over the last axis.
    y = multiply_by_quantized_multiplier(acc, op.multiplier, op.shift) + zp_out
    return _saturate(y, op.act_min, op.act_max)


def _windows(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int], dilation: tuple[int, int]) -> np.ndarray:
    """``(N, Ho, Wo, KH, KW, C)`` views of an already padded NHWC batch."""
    n, h, w, c = x.shape
    sh, sw = stride
    dh, dw = dilation
    ho = (h - dh * (kh - 1) - 1) // sh + 1
    wo = (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x,
        shape=(n, ho, wo, kh, kw, c),
        strides=(s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]),
        writeable=False,
    )


def _pad(x: np.ndarray, padding: tuple[int, int, int, int], value: float) -> np.ndarray:
    pt, pb, pl, pr = padding
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)


def _conv2d(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    # float64 products and sums of integers below 2**53 are exact, and let numpy use BLAS.
    x = xs[0].astype(np.float64) - ins[0].zero_point
    x = _pad(x, op.padding, 0.0)
    cout, kh, kw, cin_g = op.weights.shape
    win = _windows(x, kh, kw, op.stride, op.dilation)
    n, ho, wo = win.shape[:3]
    g = op.groups
    patches = win.reshape(n * ho * wo, kh * kw, g, cin_g)
    w = op.weights.astype(np.float64).reshape(g, cout // g, kh * kw, cin_g)
    if g == 1:
        acc = patches.reshape(n * ho * wo, -1) @ w.reshape(cout, -1).T
    else:
        acc = np.einsum("pkgi,gcki->pgc", patches, w, optimize=True).reshape(n * ho * wo, cout)
    acc = np.rint(acc).astype(np.int64) + op.bias.astype(np.int64)
    return _requantize(acc, op, out.zero_point).reshape(n, ho, wo, cout)


def _fully_connected(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    x = xs[0].reshape(len(xs[0]), -1).astype(np.float64) - ins[0].zero_point
    acc = np.rint(x @ op.weights.astype(np.float64).T).astype(np.int64) + op.bias.astype(np.int64)
    return _requantize(acc, op, out.zero_point)


def _max_pool2d(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    # Padding below every code never wins: each window holds at least one valid position.
    x = _pad(xs[0].astype(np.int16), op.padding, INT8_MIN - 1)
    win = _windows(x, op.kernel[0], op.kernel[1], op.stride, (1, 1))
    return _saturate(win.max(axis=(3, 4)), op.act_min, op.act_max)


def _average_pool2d(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    x = _pad(xs[0].astype(np.int64), op.padding, 0)
    valid = _pad(np.ones((1, *xs[0].shape[1:3], 1), dtype=np.int64), op.padding, 0)
    kh, kw = op.kernel
    total = _windows(x, kh, kw, op.stride, (1, 1)).sum(axis=(3, 4))
    count = _windows(valid, kh, kw, op.stride, (1, 1)).sum(axis=(3, 4))
    half = count // 2
    # C's truncating division of a positive (or negative) numerator by a positive count.
    up = (total + half) // count
    down = -((-(total - half)) // count)
    return _saturate(np.where(total > 0, up, down), op.act_min, op.act_max)


def _add(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    a = xs[0].astype(np.int64) - ins[0].zero_point
    b = xs[1].astype(np.int64) - ins[1].zero_point
    a = multiply_by_quantized_multiplier(saturating_left_shift(a, op.left_shift), op.input1_multiplier, op.input1_shift)
    b = multiply_by_quantized_multiplier(saturating_left_shift(b, op.left_shift), op.input2_multiplier, op.input2_shift)
    y = multiply_by_quantized_multiplier(a + b, op.output_multiplier, op.output_shift) + out.zero_point
    return _saturate(y, op.act_min, op.act_max)


def _concat(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    parts = []
    for i, (x, spec) in enumerate(zip(xs, ins, strict=True)):
        y = multiply_by_quantized_multiplier(x.astype(np.int64) - spec.zero_point, op.multiplier[i], op.shift[i])
        parts.append(_saturate(y + out.zero_point, INT8_MIN, INT8_MAX))
    axis = op.axis % len(out.shape) + 1  # + the batch dimension
    return np.concatenate(parts, axis=axis)


def _reshape(op: Any, xs: list[np.ndarray], ins: list[TensorSpec], out: TensorSpec) -> np.ndarray:
    return xs[0].reshape(len(xs[0]), *out.shape)


OpHandler = Callable[[Any, list[np.ndarray], list[TensorSpec], TensorSpec], np.ndarray]

#: op kind -> handler ``(op, input arrays, input specs, output spec) -> output array (N, *shape) int8``.
HANDLERS: dict[str, OpHandler] = {
    "conv2d": _conv2d,
    "fully_connected": _fully_connected,
    "max_pool2d": _max_pool2d,
    "average_pool2d": _average_pool2d,
    "add": _add,
    "concat": _concat,
    "reshape": _reshape,
}


def run_int8(
    model: Int8Model, inputs: np.ndarray | Mapping[str, np.ndarray], *, keep_all: bool = False
) -> dict[str, np.ndarray]:
    """Run ``model`` on int8 ``inputs`` (one array for a single-input model, or name -> array), each
    ``(N, *shape)``; returns name -> int8 array for the model outputs, or for every tensor with ``keep_all``.

    Raises :class:`Int8ModelError` when an input is missing, not int8, or of the wrong shape.
    """
    if not isinstance(inputs, Mapping):
        if len(model.inputs) != 1:
            raise Int8ModelError(f"{model.name} has {len(model.inputs)} inputs: pass a name -> array mapping")
        inputs = {model.inputs[0]: inputs}
    specs = {t.name: t for t in model.tensors}
    values: dict[str, np.ndarray] = {}
    for name in model.inputs:
        if name not in inputs:
            raise Int8ModelError(f"input {name!r} of {model.name} is missing")
        x = np.asarray(inputs[name])
        if x.dtype != np.int8 or tuple(x.shape[1:]) != specs[name].shape:
            raise Int8ModelError(
                f"input {name!r}: expected int8 (N, {', '.join(map(str, specs[name].shape))}), "
                f"got {x.dtype.name} {list(x.shape)}"
            )
        values[name] = x
    for op in model.ops:
        xs = [values[i] for i in op.inputs]
        values[op.output] = HANDLERS[type(op).kind](op, xs, [specs[i] for i in op.inputs], specs[op.output])
    if keep_all:
        return values
    return {name: values[name] for name in model.outputs}


def input_codes(model: Int8Model, x_nchw: np.ndarray) -> np.ndarray:
    """Quantize a float batch in torch's layout (N,C,H,W, or N,K) to the model's first input (NHWC int8)."""
    spec = model.tensor(model.inputs[0])
    x = np.asarray(x_nchw, dtype=np.float32)
    if x.ndim == 4:
        x = x.transpose(0, 2, 3, 1)
    if tuple(x.shape[1:]) != spec.shape:
        raise Int8ModelError(f"{model.name} expects inputs of shape {spec.shape} (NHWC), got {list(x.shape[1:])}")
    return quantize(x, spec.scale, spec.zero_point)


def float_predictor(model: Int8Model) -> Callable[[np.ndarray], np.ndarray]:
    """``predict(x_nchw float) -> dequantized first output`` (for :func:`studio.analysis.evaluate.evaluate`)."""
    out_spec = model.tensor(model.outputs[0])

    def predict(x: np.ndarray) -> np.ndarray:
        codes = run_int8(model, input_codes(model, x))[model.outputs[0]]
        return dequantize(codes.reshape(len(codes), -1), out_spec.scale, out_spec.zero_point)

    return predict
