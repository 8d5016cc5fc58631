"""One emitter per int8 op kind: the constants it needs and the kernel call, chosen per layer.

An emitter gets the op, the model, the memory plan and the board, and returns an :class:`EmittedOp`. Kernel
choice is per layer: a pointwise convolution gets the dot-product kernel (SIMD on DSP cores), a 3x3 depthwise
the unrolled one, an in-place depthwise the channel-buffer one, everything else the general kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.deploy.codegen.c_arrays import c_array, c_identifier, c_int
from studio.deploy.lifetimes import is_depthwise


@dataclass(frozen=True)
class EmittedOp:
    """C text of one op: file-scope declarations (constants), the statement(s) that run it, the kernel used,
    and the bytes of constants it put in flash."""

    decls: str
    call: str
    kernel: str
    const_bytes: int


@dataclass(frozen=True)
class EmitContext:
    """What an emitter may read: the model, the memory plan (arena offsets), the board, the op's step."""

    model: Any
    plan: Any
    board: Any
    step: int

    def ptr(self, tensor: str) -> str:
        """C expression for ``tensor``'s address in the arena."""
        return f"(arena + {self.plan.offset_of(tensor)})"


Emitter = Callable[[Any, EmitContext], EmittedOp]
EMITTERS: dict[str, Emitter] = {}


def emitter(kind: str) -> Callable[[Emitter], Emitter]:
    """Register the emitter of op ``kind``."""

    def wrap(fn: Emitter) -> Emitter:
        EMITTERS[kind] = fn
        return fn

    return wrap


def _requant_arrays(ident: str, bias: np.ndarray, op: Any) -> tuple[str, int]:
    text = c_array(f"{ident}_bias", bias.astype(np.int32))
    text += c_array(f"{ident}_mult", op.multiplier) + c_array(f"{ident}_shift", op.shift)
    return text, 4 * (bias.size + op.multiplier.size + op.shift.size)


def _folded_bias(op: Any, in_zp: int) -> np.ndarray:
    """``bias - in_zp * sum(w)`` per output channel: lets the kernel multiply raw codes (exact in int64)."""
    w = op.weights.reshape(op.weights.shape[0], -1).astype(np.int64)
    folded = op.bias.astype(np.int64) - in_zp * w.sum(axis=1)
    if np.any(np.abs(folded) > 2**31 - 1):
        return op.bias  # never folded then; callers check
    return folded.astype(np.int32)


@emitter("conv2d")
def emit_conv2d(op: Any, ctx: EmitContext) -> EmittedOp:
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    h, w, cin = src.shape
    ho, wo, cout = dst.shape
    _, kh, kw, _ = op.weights.shape
    pt, _, pl, _ = op.padding
    inplace = ctx.plan.lifetimes.inplace.get(op.name)
    pointwise = kh == kw == 1 and op.groups == 1 and op.stride == (1, 1) and op.padding == (0, 0, 0, 0)
    depthwise = is_depthwise(op)
    if inplace == "inplace_channel":
        kernel = "studio_dwconv_inplace"
    elif pointwise:
        kernel = "studio_conv2d_1x1"
    elif depthwise and kh == kw == 3 and op.dilation == (1, 1):
        kernel = "studio_dwconv3x3"
    elif op.groups == 1 and cin >= 4:
        kernel = "studio_conv2d_dot"
    else:
        kernel = "studio_conv2d"
    bias = _folded_bias(op, src.zero_point) if pointwise else op.bias
    if pointwise and bias is op.bias:
        kernel, bias = "studio_conv2d", op.bias
    arrays, nbytes = _requant_arrays(ident, bias, op)
    decls = c_array(f"{ident}_w", op.weights) + arrays
    tap_sums = "0"
    if kernel == "studio_conv2d_dot":
        sums = op.weights.astype(np.int64).sum(axis=3).astype(np.int32)  # (cout, kh, kw)
        decls += c_array(f"{ident}_taps", sums)
        nbytes += 4 * sums.size
        tap_sums = f"{ident}_taps"
    fields = [h, w, cin, ho, wo, cout, kh, kw, *op.stride, *op.dilation, pt, pl, op.groups]
    fields += [src.zero_point, dst.zero_point, op.act_min, op.act_max]
    decls += (
        f"static const studio_conv_params {ident}_p = {{{', '.join(map(c_int, fields))}, "
        f"{ident}_w, {ident}_bias, {ident}_mult, {ident}_shift, {tap_sums}}};\n"
    )
    if kernel == "studio_dwconv_inplace":
        call = f"{kernel}(&{ident}_p, {ctx.ptr(op.output)}, {ctx.ptr(op.name + '.channel')});"
    else:
        call = f"{kernel}(&{ident}_p, {ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, kernel, op.weights.size + nbytes)


@emitter("fully_connected")
def emit_fully_connected(op: Any, ctx: EmitContext) -> EmittedOp:
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    bias = _folded_bias(op, src.zero_point)
    if bias is op.bias:
        from studio.deploy.errors import UnsupportedOpError

        raise UnsupportedOpError(f"{op.name}: folded bias would overflow int32")
    arrays, nbytes = _requant_arrays(ident, bias, op)
    decls = c_array(f"{ident}_w", op.weights) + arrays
    fields = [src.size, dst.size, src.zero_point, dst.zero_point, op.act_min, op.act_max]
    decls += (
        f"static const studio_fc_params {ident}_p = {{{', '.join(map(c_int, fields))}, "
        f"{ident}_w, {ident}_bias, {ident}_mult, {ident}_shift}};\n"
    )
    call = f"studio_fully_connected(&{ident}_p, {ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, "studio_fully_connected", op.weights.size + nbytes)


def _emit_pool(op: Any, ctx: EmitContext, kernel: str) -> EmittedOp:
    model, ident = ctx.model, c_identifier(op.name)
    h, w, c = model.tensor(op.inputs[0]).shape
    ho, wo, _ = model.tensor(op.output).shape
    pt, _, pl, _ = op.padding
    fields = [h, w, c, ho, wo, *op.kernel, *op.stride, pt, pl, op.act_min, op.act_max]
    decls = f"static const studio_pool_params {ident}_p = {{{', '.join(map(c_int, fields))}}};\n"
    call = f"{kernel}(&{ident}_p, {ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, kernel, 0)


@emitter("max_pool2d")
def emit_max_pool(op: Any, ctx: EmitContext) -> EmittedOp:
    return _emit_pool(op, ctx, "studio_max_pool")


@emitter("average_pool2d")
def emit_avg_pool(op: Any, ctx: EmitContext) -> EmittedOp:
    return _emit_pool(op, ctx, "studio_avg_pool")


@emitter("add")
def emit_add(op: Any, ctx: EmitContext) -> EmittedOp:
    model, ident = ctx.model, c_identifier(op.name)
    a, b, out = (model.tensor(t) for t in (*op.inputs, op.output))
    fields = [out.size, a.zero_point, b.zero_point, out.zero_point, op.left_shift]
    fields += [op.input1_multiplier, op.input1_shift, op.input2_multiplier, op.input2_shift]
    fields += [op.output_multiplier, op.output_shift, op.act_min, op.act_max]
    decls = f"static const studio_add_params {ident}_p = {{{', '.join(map(c_int, fields))}}};\n"
    call = f"studio_add(&{ident}_p, {ctx.ptr(op.inputs[0])}, {ctx.ptr(op.inputs[1])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, "studio_add", 0)


@emitter("concat")
def emit_concat(op: Any, ctx: EmitContext) -> EmittedOp:
    model = ctx.model
    out = model.tensor(op.output)
    axis = op.axis % len(out.shape)
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    inner = int(np.prod(out.shape[axis + 1 :], dtype=np.int64))
    stride = out.shape[axis] * inner
    calls, position = [], 0
    for i, name in enumerate(op.inputs):
        spec = model.tensor(name)
        chunk = spec.shape[axis] * inner
        args = [outer, chunk, stride, spec.zero_point, out.zero_point, int(op.multiplier[i]), int(op.shift[i])]
        calls.append(
            f"studio_concat_part({ctx.ptr(name)}, {ctx.ptr(op.output)} + {position}, {', '.join(map(c_int, args))});"
        )
        position += chunk
    return EmittedOp("", "\n    ".join(calls), "studio_concat_part", 0)


@emitter("reshape")
def emit_reshape(op: Any, ctx: EmitContext) -> EmittedOp:
    src, dst = ctx.plan.offset_of(op.inputs[0]), ctx.plan.offset_of(op.output)
    if src == dst:
        return EmittedOp("", f"/* {op.name}: reshape, same bytes */", "alias", 0)
    size = ctx.model.tensor(op.output).size
    return EmittedOp("", f"studio_copy({ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)}, {size});", "studio_copy", 0)
