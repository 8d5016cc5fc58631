"""The fast kernel set: one specialised C function per layer, calling ``studio_kernels_fast.h`` with the
layer's shape as literal constants (the compiler then unrolls and folds each loop for that shape).

Each emitter returns None where its kernel does not apply (dilation, grouped non-depthwise convolutions,
padded pooling, a folded bias that could leave int32, ...): the generator then uses the straightforward
emitter of :mod:`studio.deploy.codegen.emitters` for that layer, so every model still builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from studio.deploy.codegen.c_arrays import c_array, c_identifier, c_int
from studio.deploy.codegen.emitters import EmitContext, EmittedOp
from studio.deploy.codegen.requant import requant_table
from studio.deploy.lifetimes import is_depthwise
from studio.int8.fixed_point import multiply_by_quantized_multiplier, saturating_left_shift

FastEmitter = Callable[[Any, EmitContext], EmittedOp | None]
FAST_EMITTERS: dict[str, FastEmitter] = {}
INT32_MAX = 2**31 - 1
_CODES = np.arange(-128, 128, dtype=np.int64)


def fast_emitter(kind: str) -> Callable[[FastEmitter], FastEmitter]:
    """Register the fast emitter of op ``kind``."""

    def wrap(fn: FastEmitter) -> FastEmitter:
        FAST_EMITTERS[kind] = fn
        return fn

    return wrap


def _function(ident: str, body: str, params: str = "const int8_t *in, int8_t *out") -> str:
    # noinline: one function per layer keeps the code readable in a disassembly and a profile.
    return f"static __attribute__((noinline)) void {ident}_run({params}) {{\n    {body}\n}}\n"


def _args(*values: int) -> str:
    return ", ".join(c_int(v) for v in values)


def _folded_bias(weights: np.ndarray, bias: np.ndarray, zp: int) -> np.ndarray | None:
    """``bias - zp * sum(w)`` per output channel, or None when a partial sum of raw codes times weights could
    leave int32 (then the kernel keeps subtracting the zero point)."""
    w = weights.reshape(weights.shape[0], -1).astype(np.int64)
    folded = bias.astype(np.int64) - zp * w.sum(axis=1)
    worst = np.abs(folded) + 128 * np.abs(w).sum(axis=1)
    if worst.size and int(worst.max()) > INT32_MAX:
        return None
    return folded.astype(np.int32)


@fast_emitter("conv2d")
def emit_conv2d_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    if op.dilation != (1, 1):
        return None
    if is_depthwise(op):
        return _emit_depthwise(op, ctx)
    if op.groups != 1:
        return None
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    h, w, cin = src.shape
    ho, wo, cout = dst.shape
    _, kh, kw, _ = op.weights.shape
    pt, _, pl, _ = op.padding
    rq = requant_table(op.multiplier, op.shift, dst.zero_point, op.act_min)
    decls = c_array(f"{ident}_w", op.weights) + c_array(f"{ident}_bias", op.bias) + rq.c_array(f"{ident}_rq")
    shape = _args(h, w, cin, ho, wo, cout, kh, kw, *op.stride, pt, pl)
    quant = _args(src.zero_point, rq.kernel_zp(dst.zero_point), op.act_min, op.act_max, rq.mode)
    decls += _function(ident, f"studio_conv_fast(in, out, {shape}, {quant}, {ident}_w, {ident}_bias, {ident}_rq);")
    pointwise = kh == kw == 1 and op.padding == (0, 0, 0, 0)
    kernel = "studio_conv_fast_1x1" if pointwise else f"studio_conv_fast_{kh}x{kw}"
    call = f"{ident}_run({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, kernel, op.weights.size + 4 * op.bias.size + rq.nbytes)


def _emit_depthwise(op: Any, ctx: EmitContext) -> EmittedOp | None:
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    fbias = _folded_bias(op.weights, op.bias, src.zero_point)
    if fbias is None:
        return None
    h, w, c = src.shape
    ho, wo, _ = dst.shape
    _, kh, kw, _ = op.weights.shape
    pt, _, pl, _ = op.padding
    rq = requant_table(op.multiplier, op.shift, dst.zero_point, op.act_min)
    inplace = ctx.plan.lifetimes.inplace.get(op.name) == "inplace_channel"
    # In place runs channel by channel (each channel's taps together, OHWI); otherwise four channels at a
    # time, so a tap's weights of neighbouring channels are one word (HWC).
    weights = op.weights if inplace else np.ascontiguousarray(op.weights[:, :, :, 0].transpose(1, 2, 0))
    decls = c_array(f"{ident}_w", weights) + c_array(f"{ident}_bias", op.bias)
    decls += c_array(f"{ident}_fbias", fbias) + rq.c_array(f"{ident}_rq")
    shape = _args(h, w, c, ho, wo, kh, kw, *op.stride, pt, pl)
    quant = _args(src.zero_point, rq.kernel_zp(dst.zero_point), op.act_min, op.act_max, rq.mode)
    tail = f"{ident}_w, {ident}_bias, {ident}_fbias, {ident}_rq);"
    nbytes = op.weights.size + 8 * op.bias.size + rq.nbytes
    if inplace:
        decls += _function(
            ident, f"studio_dw_inplace_fast(buf, chan, {shape}, {quant}, {tail}", "int8_t *buf, int8_t *chan"
        )
        call = f"{ident}_run({ctx.ptr(op.output)}, {ctx.ptr(op.name + '.channel')});"
        return EmittedOp(decls, call, f"studio_dw_inplace_fast_{kh}x{kw}", nbytes)
    decls += _function(ident, f"studio_dw_fast(in, out, {shape}, {quant}, {tail}")
    call = f"{ident}_run({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, f"studio_dw_fast_{kh}x{kw}", nbytes)


@fast_emitter("fully_connected")
def emit_fully_connected_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    fbias = _folded_bias(op.weights, op.bias, src.zero_point)
    if fbias is None:
        return None
    rq = requant_table(op.multiplier, op.shift, dst.zero_point, op.act_min)
    decls = c_array(f"{ident}_w", op.weights) + c_array(f"{ident}_fbias", fbias) + rq.c_array(f"{ident}_rq")
    args = _args(src.size, dst.size, rq.kernel_zp(dst.zero_point), op.act_min, op.act_max, rq.mode)
    decls += _function(ident, f"studio_fc_fast(in, out, {args}, {ident}_w, {ident}_fbias, {ident}_rq);")
    call = f"{ident}_run({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, "studio_fc_fast", op.weights.size + 4 * fbias.size + rq.nbytes)


def _emit_pool_fast(op: Any, ctx: EmitContext, kernel: str) -> EmittedOp | None:
    if op.padding != (0, 0, 0, 0):
        return None
    model, ident = ctx.model, c_identifier(op.name)
    _, w, c = model.tensor(op.inputs[0]).shape
    ho, wo, _ = model.tensor(op.output).shape
    args = _args(w, c, ho, wo, *op.kernel, *op.stride, op.act_min, op.act_max)
    decls = _function(ident, f"{kernel}(in, out, {args});")
    call = f"{ident}_run({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, kernel, 0)


@fast_emitter("max_pool2d")
def emit_max_pool_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    return _emit_pool_fast(op, ctx, "studio_max_pool_fast")


@fast_emitter("average_pool2d")
def emit_avg_pool_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    return _emit_pool_fast(op, ctx, "studio_avg_pool_fast")


def add_tables(op: Any, zp1: int, zp2: int) -> tuple[np.ndarray, np.ndarray]:
    """The two tables of :c:func:`studio_add_lut`: every int8 code's rescaled value, as the reference's Add."""
    t1 = multiply_by_quantized_multiplier(
        saturating_left_shift(_CODES - zp1, op.left_shift), op.input1_multiplier, op.input1_shift
    )
    t2 = multiply_by_quantized_multiplier(
        saturating_left_shift(_CODES - zp2, op.left_shift), op.input2_multiplier, op.input2_shift
    )
    return t1, t2


@fast_emitter("add")
def emit_add_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    model, ident = ctx.model, c_identifier(op.name)
    a, b, out = (model.tensor(t) for t in (*op.inputs, op.output))
    t1, t2 = add_tables(op, a.zero_point, b.zero_point)
    if int(np.abs(t1).max() + np.abs(t2).max()) > INT32_MAX:
        return None  # the sum would not fit the int32 the kernel adds in
    rq = requant_table(np.array([op.output_multiplier]), np.array([op.output_shift]), out.zero_point, op.act_min)
    decls = c_array(f"{ident}_t1", t1.astype(np.int32)) + c_array(f"{ident}_t2", t2.astype(np.int32))
    decls += rq.c_array(f"{ident}_rq")
    args = _args(rq.kernel_zp(out.zero_point), op.act_min, op.act_max)
    decls += _function(
        ident,
        f"studio_add_lut(a, b, out, {out.size}, {ident}_t1, {ident}_t2, {ident}_rq, {rq.mode}, {args});",
        "const int8_t *a, const int8_t *b, int8_t *out",
    )
    call = f"{ident}_run({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.inputs[1])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, "studio_add_lut", 8 * 256 + rq.nbytes)


@fast_emitter("concat")
def emit_concat_fast(op: Any, ctx: EmitContext) -> EmittedOp | None:
    model, ident = ctx.model, c_identifier(op.name)
    out = model.tensor(op.output)
    axis = op.axis % len(out.shape)
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    inner = int(np.prod(out.shape[axis + 1 :], dtype=np.int64))
    stride = out.shape[axis] * inner
    decls, calls, position, nbytes = "", [], 0, 0
    for i, name in enumerate(op.inputs):
        spec = model.tensor(name)
        chunk = spec.shape[axis] * inner
        y = multiply_by_quantized_multiplier(_CODES - spec.zero_point, op.multiplier[i], op.shift[i])
        lut = np.clip(y + out.zero_point, -128, 127).astype(np.int8)
        table = "0"
        if not np.array_equal(lut, _CODES):
            decls += c_array(f"{ident}_lut{i}", lut)
            table, nbytes = f"{ident}_lut{i}", nbytes + 256
        dst = f"{ctx.ptr(op.output)} + {position}"
        calls.append(f"studio_concat_lut({ctx.ptr(name)}, {dst}, {_args(outer, chunk, stride)}, {table});")
        position += chunk
    return EmittedOp(decls, "\n    ".join(calls), "studio_concat_lut", nbytes)
