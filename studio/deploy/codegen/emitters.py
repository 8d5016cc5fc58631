"""One emitter per int8 op kind for the straightforward ("generic") kernels of ``studio_kernels.c``.

An emitter gets the op, the model, the memory plan and the board, and returns an :class:`EmittedOp`. These are
the baseline every op kind must have: plain loops over the reference's arithmetic, one MAC at a time, like
TFLite Micro's reference kernels. The fast kernel set (:mod:`studio.deploy.codegen.fast_emitters`) overrides
them per layer where it has a specialised kernel, and falls back to them everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.deploy.codegen.c_arrays import c_array, c_identifier, c_int


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


@emitter("conv2d")
def emit_conv2d(op: Any, ctx: EmitContext) -> EmittedOp:
    """The straightforward loop (TFLite Micro's reference kernels do the same): any groups, stride, dilation and
    padding, one MAC at a time with a padding test per tap; in place with a channel buffer when planned so."""
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    h, w, cin = src.shape
    ho, wo, cout = dst.shape
    _, kh, kw, _ = op.weights.shape
    pt, _, pl, _ = op.padding
    inplace = ctx.plan.lifetimes.inplace.get(op.name) == "inplace_channel"
    kernel = "studio_dwconv_inplace" if inplace else "studio_conv2d"
    arrays, nbytes = _requant_arrays(ident, op.bias, op)
    decls = c_array(f"{ident}_w", op.weights) + arrays
    fields = [h, w, cin, ho, wo, cout, kh, kw, *op.stride, *op.dilation, pt, pl, op.groups]
    fields += [src.zero_point, dst.zero_point, op.act_min, op.act_max]
    decls += (
        f"static const studio_conv_params {ident}_p = {{{', '.join(map(c_int, fields))}, "
        f"{ident}_w, {ident}_bias, {ident}_mult, {ident}_shift}};\n"
    )
    if inplace:
        call = f"{kernel}(&{ident}_p, {ctx.ptr(op.output)}, {ctx.ptr(op.name + '.channel')});"
    else:
        call = f"{kernel}(&{ident}_p, {ctx.ptr(op.inputs[0])}, {ctx.ptr(op.output)});"
    return EmittedOp(decls, call, kernel, op.weights.size + nbytes)


@emitter("fully_connected")
def emit_fully_connected(op: Any, ctx: EmitContext) -> EmittedOp:
    model, ident = ctx.model, c_identifier(op.name)
    src, dst = model.tensor(op.inputs[0]), model.tensor(op.output)
    arrays, nbytes = _requant_arrays(ident, op.bias, op)
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
