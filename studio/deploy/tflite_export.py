"""The int8 model as a ``.tflite`` flatbuffer, written with TFLite Micro's own model editor (no TensorFlow),
and run in TFLite Micro's interpreter: the studio's peer for int8 arithmetic and for arena size.

TFLite Micro recomputes every requantization multiplier from the tensors' float32 scales, so our integers and
its agree exactly only when the int8 model's multipliers come from float32 scales too;
:func:`with_float32_scales` gives that variant of a model (the lowering currently uses float64 scales: see
:func:`multiplier_agreement` for how many ops differ). Padding must be TFLite's SAME or VALID; anything else,
and a concatenation that requantizes (TFLite Micro's int8 concat does not), is refused with the layer named.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tempfile
from typing import Any

import numpy as np

from studio.deploy.errors import DeployError
from studio.int8.fixed_point import quantize_multipliers


class TfliteExportError(DeployError):
    """The model uses something TFLite cannot express; the message names the layer."""


def _f32(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def with_float32_scales(model: Any) -> Any:
    """The same model with every multiplier recomputed, as TFLite (Micro) does, from float32 scales."""
    from studio.int8.lower import _add_params

    specs = {t.name: t for t in model.tensors}
    ops = []
    for op in model.ops:
        kind = type(op).kind
        if kind in ("conv2d", "fully_connected"):
            s_in = _f32(specs[op.inputs[0]].scale)
            s_out = _f32(specs[op.output].scale)
            mult, shift = quantize_multipliers(s_in * _f32(op.weight_scale) / s_out)
            op = dataclasses.replace(op, multiplier=mult, shift=shift)
        elif kind == "add":
            s1, s2, so = (float(_f32(specs[t].scale)) for t in (*op.inputs, op.output))
            op = dataclasses.replace(op, **_add_params(s1, s2, so))
        ops.append(op)
    return dataclasses.replace(model, ops=tuple(ops))


def multiplier_agreement(model: Any) -> dict[str, int]:
    """``{"ops": n, "differing": k}``: ops whose multipliers TFLite would compute differently."""
    other = with_float32_scales(model)
    differing = 0
    for a, b in zip(model.ops, other.ops, strict=True):
        for name in ("multiplier", "shift", "input1_multiplier", "input2_multiplier", "output_multiplier"):
            va, vb = getattr(a, name, None), getattr(b, name, None)
            if va is not None and not np.array_equal(np.asarray(va), np.asarray(vb)):
                differing += 1
                break
    return {"ops": len(model.ops), "differing": differing}


def _tflite_padding(op: Any, in_hw: tuple[int, int], out_hw: tuple[int, int], kernel: tuple[int, int],
                    dilation: tuple[int, int] = (1, 1)) -> int:  # fmt: skip
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    if tuple(op.padding) == (0, 0, 0, 0):
        return fb.Padding.VALID
    pads = []
    for i in range(2):
        eff = (kernel[i] - 1) * dilation[i] + 1
        total = max((out_hw[i] - 1) * op.stride[i] + eff - in_hw[i], 0)
        pads += [total // 2, total - total // 2]
    if tuple(pads) == (op.padding[0], op.padding[1], op.padding[2], op.padding[3]):
        return fb.Padding.SAME
    raise TfliteExportError(f"{op.name}: padding {op.padding} is neither TFLite's SAME nor VALID")


def _activation(op: Any, out: Any) -> int:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    six = int(np.clip(out.zero_point + np.rint(6.0 / float(np.float32(out.scale))), -128, 127))
    lo, hi = op.act_min, op.act_max
    if hi == 127 and lo in (-128, out.zero_point) and (lo == -128 or out.zero_point == -128):
        return fb.ActivationFunctionType.NONE
    if hi == 127 and lo == max(out.zero_point, -128):
        return fb.ActivationFunctionType.RELU
    if lo == max(out.zero_point, -128) and hi == six:
        return fb.ActivationFunctionType.RELU6
    if (lo, hi) == (-128, 127):
        return fb.ActivationFunctionType.NONE
    raise TfliteExportError(f"{op.name}: clamp [{lo}, {hi}] is no TFLite fused activation")


def to_tflite(model: Any) -> bytes:
    """The ``.tflite`` bytes of ``model`` (batch 1, NHWC); raises :class:`TfliteExportError`."""
    from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    specs = {t.name: t for t in model.tensors}
    sg = me.Subgraph(name=model.name)
    tensors: dict[str, Any] = {}
    for t in model.tensors:
        tensors[t.name] = sg.add_tensor(
            shape=(1, *t.shape), dtype=fb.TensorType.INT8, name=t.name,
            quantization=me.Quantization(scales=float(np.float32(t.scale)), zero_points=int(t.zero_point)),
        )  # fmt: skip

    def const(name: str, array: np.ndarray, dtype: int, scales: Any = None, axis: int | None = None) -> Any:
        q = None if scales is None else me.Quantization([float(s) for s in scales], [0] * len(scales), axis)
        return sg.add_tensor(
            shape=array.shape, dtype=dtype, data=np.ascontiguousarray(array), name=name, quantization=q
        )

    for op in model.ops:
        kind = type(op).kind
        ins = [tensors[i] for i in op.inputs]
        out = tensors[op.output]
        o_spec = specs[op.output]
        if kind in ("conv2d", "fully_connected"):
            s_in = float(np.float32(specs[op.inputs[0]].scale))
            w_scales = np.asarray(op.weight_scale, np.float32)
            b_scales = (s_in * w_scales.astype(np.float64)).astype(np.float32)
            bias = const(f"{op.name}.bias", op.bias.astype(np.int32), fb.TensorType.INT32, b_scales, 0)
        if kind == "conv2d":
            cout, kh, kw, cin_g = op.weights.shape
            in_h, in_w, cin = specs[op.inputs[0]].shape
            oh, ow, _ = o_spec.shape
            padding = _tflite_padding(op, (in_h, in_w), (oh, ow), (kh, kw), op.dilation)
            depthwise = op.groups == cin == cout and cin_g == 1
            if op.groups != 1 and not depthwise:
                raise TfliteExportError(f"{op.name}: grouped convolution has no TFLite int8 kernel")
            if depthwise:
                w = const(f"{op.name}.w", op.weights.transpose(3, 1, 2, 0), fb.TensorType.INT8, w_scales, 3)
                opts = fb.DepthwiseConv2DOptionsT()
                opts.depthMultiplier, code, opts_type = 1, fb.BuiltinOperator.DEPTHWISE_CONV_2D, 2
            else:
                w = const(f"{op.name}.w", op.weights, fb.TensorType.INT8, w_scales, 0)
                opts = fb.Conv2DOptionsT()
                code, opts_type = fb.BuiltinOperator.CONV_2D, 1
            opts.padding, opts.strideH, opts.strideW = padding, *op.stride
            opts.dilationHFactor, opts.dilationWFactor = op.dilation
            opts.fusedActivationFunction = _activation(op, o_spec)
            new = sg.add_operator(opcode=code, inputs=[ins[0], w, bias], outputs=[out])
        elif kind == "fully_connected":
            w = const(f"{op.name}.w", op.weights, fb.TensorType.INT8, w_scales, 0)
            opts = fb.FullyConnectedOptionsT()
            opts.fusedActivationFunction = _activation(op, o_spec)
            opts_type = 8
            new = sg.add_operator(opcode=fb.BuiltinOperator.FULLY_CONNECTED, inputs=[ins[0], w, bias], outputs=[out])
        elif kind in ("max_pool2d", "average_pool2d"):
            in_h, in_w, _ = specs[op.inputs[0]].shape
            opts = fb.Pool2DOptionsT()
            opts.padding = _tflite_padding(op, (in_h, in_w), o_spec.shape[:2], op.kernel)
            opts.strideH, opts.strideW = op.stride
            opts.filterHeight, opts.filterWidth = op.kernel
            opts.fusedActivationFunction = _activation(op, o_spec)
            opts_type = 5
            code = fb.BuiltinOperator.MAX_POOL_2D if kind == "max_pool2d" else fb.BuiltinOperator.AVERAGE_POOL_2D
            new = sg.add_operator(opcode=code, inputs=ins, outputs=[out])
        elif kind == "add":
            opts = fb.AddOptionsT()
            opts.fusedActivationFunction = _activation(op, o_spec)
            opts_type = 11
            new = sg.add_operator(opcode=fb.BuiltinOperator.ADD, inputs=ins, outputs=[out])
        elif kind == "concat":
            if any((specs[i].scale, specs[i].zero_point) != (o_spec.scale, o_spec.zero_point) for i in op.inputs):
                raise TfliteExportError(f"{op.name}: TFLite Micro's int8 concatenation cannot requantize its inputs")
            opts = fb.ConcatenationOptionsT()
            opts.axis = (op.axis % len(o_spec.shape)) + 1
            opts_type = 10
            new = sg.add_operator(opcode=fb.BuiltinOperator.CONCATENATION, inputs=ins, outputs=[out])
        elif kind == "reshape":
            shape = const(f"{op.name}.shape", np.array([1, *o_spec.shape], np.int32), fb.TensorType.INT32)
            opts = fb.ReshapeOptionsT()
            opts.newShape = [1, *o_spec.shape]
            opts_type = 17
            new = sg.add_operator(opcode=fb.BuiltinOperator.RESHAPE, inputs=[ins[0], shape], outputs=[out])
        else:
            raise TfliteExportError(f"{op.name}: {kind} has no TFLite export")
        new._fb.builtinOptionsType = opts_type
        new._fb.builtinOptions = opts
    sg.inputs = [tensors[n] for n in model.inputs]
    sg.outputs = [tensors[n] for n in model.outputs]
    tflite_model = me.Model(subgraphs=[sg], description=f"TinyML Studio int8 export of {model.name}")
    return bytes(tflite_model.build())


@contextlib.contextmanager
def _captured_stderr() -> Any:
    """The C++ interpreter prints its allocations to file descriptor 2: capture it."""
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        box: dict[str, str] = {}
        try:
            yield box
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            box["text"] = tmp.read().decode("utf-8", "replace")


def run_tflite_micro(tflite: bytes, x_codes: np.ndarray, arena_size: int = 256 * 1024) -> tuple[np.ndarray, dict]:
    """Run every sample (N, *input shape) in TFLite Micro; returns (outputs (N, -1) int8, arena dict with
    ``total``, ``head``, ``tail`` bytes as its RecordingMicroAllocator reports them)."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(tflite, arena_size=arena_size)
    outs = []
    for x in x_codes:
        interpreter.set_input(np.ascontiguousarray(x[None], dtype=np.int8), 0)
        interpreter.invoke()
        outs.append(np.array(interpreter.get_output(0), dtype=np.int8).reshape(-1))
    with _captured_stderr() as box:
        interpreter.print_allocations()
    arena: dict[str, int] = {}
    for key in ("total", "head", "tail"):
        match = re.search(rf"Arena allocation {key} (\d+) bytes", box.get("text", ""))
        if match:
            arena[key] = int(match.group(1))
    arena["report"] = box.get("text", "")[-1500:]  # type: ignore[assignment]
    return np.stack(outs), arena
