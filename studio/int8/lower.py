"""Lower a float torch model to the int8 IR: fold batch norm, calibrate activations, quantize weights.

Steps: :func:`~studio.int8.float_graph.trace_float_graph` (conv + BN + ReLU become one op), activation
statistics on calibration data (:mod:`studio.optimize.quantize.calibration`), a :class:`QuantPlan` (the grid
of every tensor and weight), then :func:`lower_graph` computes the integers of every op: OHWI weights,
int32 bias, Q31 multipliers and shifts, clamps. A model with an op that has no int8 kernel raises
:class:`~studio.int8.float_graph.LoweringError` naming it.

Pooling, flatten and reshape keep their input's grid (the IR requires it), and a ``Flatten`` of a C x H x W
map turns into an NHWC reshape whose following linear layer gets its columns permuted from CHW to HWC order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.int8.fixed_point import INT32_MAX, INT32_MIN, quantize_multiplier, quantize_multipliers
from studio.int8.float_graph import PASSTHROUGH_KINDS, FloatGraph, FloatOp, LoweringError, trace_float_graph
from studio.int8.ir import (
    INT8_MAX,
    INT8_MIN,
    Add,
    AveragePool2D,
    Concat,
    Conv2D,
    FullyConnected,
    Int8Model,
    Int8ModelError,
    MaxPool2D,
    Reshape,
    TensorSpec,
)

ADD_LEFT_SHIFT = 20


@dataclass(frozen=True)
class LoweringConfig:
    """How to quantize: weight bits (default and per layer), per-channel or per-tensor weight scales,
    calibration method for activations (see :data:`~studio.optimize.quantize.calibration.RANGE_METHODS`)."""

    weight_bits: int = 8
    layer_bits: Mapping[str, int] = field(default_factory=dict)
    per_channel: bool = True
    calibration: str = "minmax"
    percentile: float = 99.99
    weight_method: str = "minmax"

    def bits_for(self, layer: str) -> int:
        """The weight bit width of ``layer``."""
        return int(self.layer_bits.get(layer, self.weight_bits))


@dataclass(frozen=True)
class QuantPlan:
    """The grids lowering uses: value -> ``(scale, zero_point)``; weighted op -> per-channel weight scales and
    bit width. Pass-through values (pooling, flatten) must carry their input's grid."""

    activations: Mapping[str, tuple[float, int]]
    weight_scales: Mapping[str, np.ndarray]
    weight_bits: Mapping[str, int]


def activation_grid(
    graph: FloatGraph, ranges: Mapping[str, tuple[float, float]], bits: int = 8
) -> dict[str, tuple[float, int]]:
    """value -> ``(scale, zero_point)`` from calibrated ranges; pass-through ops inherit their input's grid."""
    from studio.optimize.quantize.qparams import activation_qparams

    acts: dict[str, tuple[float, int]] = {graph.input: activation_qparams(*ranges[graph.input], bits)}
    for op in graph.ops:
        if op.kind in PASSTHROUGH_KINDS:
            acts[op.output] = acts[op.inputs[0]]
        else:
            acts[op.output] = activation_qparams(*ranges[op.output], bits)
    return acts


def plan_from_ranges(graph: FloatGraph, ranges: Mapping[str, tuple[float, float]], config: LoweringConfig) -> QuantPlan:
    """Activation grids from calibrated ranges (pass-through ops inherit), weight grids from the weights."""
    from studio.optimize.quantize.qparams import check_bits, weight_qparams

    scales: dict[str, np.ndarray] = {}
    bits: dict[str, int] = {}
    for op in graph.weighted_ops():
        b = check_bits(config.bits_for(op.name), op.name)
        q = weight_qparams(op.weight.numpy(), b, config.per_channel, symmetric=True, method=config.weight_method)
        scales[op.name] = q.scale
        bits[op.name] = b
    return QuantPlan(activation_grid(graph, ranges), scales, bits)


def _ir_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else tuple(shape)


def _clamp_codes(op: FloatOp, scale: float, zero_point: int) -> tuple[int, int]:
    if op.activation is None:
        return INT8_MIN, INT8_MAX
    lo, hi = op.activation
    act_min = INT8_MIN if lo == float("-inf") else int(np.clip(zero_point + np.rint(lo / scale), INT8_MIN, INT8_MAX))
    act_max = INT8_MAX if hi == float("inf") else int(np.clip(zero_point + np.rint(hi / scale), INT8_MIN, INT8_MAX))
    return act_min, act_max


def _weights_and_requant(op: FloatOp, weight: np.ndarray, plan: QuantPlan, s_in: float, s_out: float) -> dict[str, Any]:
    bits = plan.weight_bits[op.name]
    qmax = 2 ** (bits - 1) - 1
    s_w = np.asarray(plan.weight_scales[op.name], dtype=np.float64)
    shape = (-1,) + (1,) * (weight.ndim - 1)
    w_q = np.clip(np.rint(weight / s_w.reshape(shape)), -qmax, qmax).astype(np.int8)
    bias = op.bias.numpy().astype(np.float64) if op.bias is not None else np.zeros(len(s_w))
    b_q = np.clip(np.rint(bias / (s_in * s_w)), INT32_MIN, INT32_MAX).astype(np.int64).astype(np.int32)
    multiplier, shift = quantize_multipliers(s_in * s_w / s_out)
    return {
        "weights": w_q,
        "bias": b_q,
        "multiplier": multiplier,
        "shift": shift,
        "weight_scale": s_w,
        "weight_bits": bits,
    }


def add_requant_params(s1: float, s2: float, s_out: float) -> dict[str, int]:
    """The integer fields of an :class:`~studio.int8.ir.Add` for input scales ``s1``, ``s2`` and output
    scale ``s_out`` (TFLite's scheme: inputs rescaled to twice the larger scale, ``left_shift`` 20)."""
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = quantize_multiplier(s1 / twice_max)
    m2, sh2 = quantize_multiplier(s2 / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << ADD_LEFT_SHIFT) * s_out))
    return {
        "input1_multiplier": m1,
        "input1_shift": sh1,
        "input2_multiplier": m2,
        "input2_shift": sh2,
        "output_multiplier": mo,
        "output_shift": sho,
        "left_shift": ADD_LEFT_SHIFT,
    }


_add_params = add_requant_params  # the name deploy imported first


def _lower_op(op: FloatOp, graph: FloatGraph, plan: QuantPlan, flat_from: dict[str, tuple[int, ...]]) -> Any:
    s_in = plan.activations[op.inputs[0]][0]
    s_out, zp_out = plan.activations[op.output]
    act_min, act_max = _clamp_codes(op, s_out, zp_out)
    common = {"name": op.name, "inputs": op.inputs, "output": op.output}
    if op.kind == "conv2d":
        w = op.weight.numpy().astype(np.float64).transpose(0, 2, 3, 1)  # OIHW -> OHWI
        a = op.attrs
        return Conv2D(
            **common,
            **_weights_and_requant(op, w, plan, s_in, s_out),
            stride=a["stride"],
            padding=a["padding"],
            dilation=a["dilation"],
            groups=a["groups"],
            act_min=act_min,
            act_max=act_max,
        )
    if op.kind == "linear":
        w = op.weight.numpy().astype(np.float64)
        src = flat_from.get(op.inputs[0])
        if src is not None:  # columns from torch's C,H,W flattening order to the IR's H,W,C order
            c, h, wd = src
            w = w.reshape(len(w), c, h, wd).transpose(0, 2, 3, 1).reshape(len(w), -1)
        elif len(graph.shapes[op.inputs[0]]) != 1:
            raise LoweringError(f"{op.name}: a linear layer on a {graph.shapes[op.inputs[0]]} tensor is not supported")
        return FullyConnected(
            **common, **_weights_and_requant(op, w, plan, s_in, s_out), act_min=act_min, act_max=act_max
        )
    if op.kind in ("max_pool2d", "avg_pool2d"):
        cls = MaxPool2D if op.kind == "max_pool2d" else AveragePool2D
        a = op.attrs
        return cls(**common, kernel=a["kernel"], stride=a["stride"], padding=a["padding"])
    if op.kind == "add":
        s2 = plan.activations[op.inputs[1]][0]
        return Add(**common, **_add_params(s_in, s2, s_out), act_min=act_min, act_max=act_max)
    if op.kind == "concat":
        mults, shifts = [], []
        for v in op.inputs:
            s, zp = plan.activations[v]
            m, sh = (1 << 30, 1) if (s, zp) == (s_out, zp_out) else quantize_multiplier(s / s_out)
            mults.append(m)
            shifts.append(sh)
        return Concat(**common, multiplier=np.array(mults, np.int32), shift=np.array(shifts, np.int32), axis=-1)
    if op.kind == "flatten":
        return Reshape(**common, shape=(int(np.prod(graph.shapes[op.output])),))
    raise LoweringError(f"{op.name}: no int8 lowering for {op.kind}")


def _check_flatten_users(graph: FloatGraph) -> dict[str, tuple[int, ...]]:
    flat_from = {op.output: op.attrs["from_shape"] for op in graph.ops if op.kind == "flatten"}
    for value, src in flat_from.items():
        if int(np.prod(src[1:])) == 1:
            continue
        users = [op for op in graph.ops if value in op.inputs]
        if value == graph.output or any(op.kind != "linear" for op in users):
            raise LoweringError(
                f"flatten {value} of a {src[1]}x{src[2]} map feeds something other than a linear layer; "
                "its element order would differ between NCHW and NHWC"
            )
    return flat_from


def lower_graph(
    graph: FloatGraph, plan: QuantPlan, name: str | None = None, metadata: Mapping[str, Any] | None = None
) -> Int8Model:
    """The :class:`Int8Model` of ``graph`` with the grids of ``plan``.

    Raises :class:`LoweringError` for an op with no int8 form and when the result is inconsistent (e.g. an
    accumulator that could overflow int32).
    """
    flat_from = _check_flatten_users(graph)
    tensors = [
        TensorSpec(v, _ir_shape(graph.shapes[v]), float(plan.activations[v][0]), int(plan.activations[v][1]))
        for v in [graph.input, *(op.output for op in graph.ops)]
    ]
    ops = [_lower_op(op, graph, plan, flat_from) for op in graph.ops]
    info = {
        "source": graph.name,
        "source_layout": "NCHW",
        "layers": {op.name: list(op.modules) for op in graph.ops},
        **dict(metadata or {}),
    }
    try:
        return Int8Model(name or graph.name, tuple(tensors), tuple(ops), (graph.input,), (graph.output,), info)
    except Int8ModelError as exc:
        raise LoweringError(f"lowering {graph.name} to int8 failed: {exc}") from None


def lower_module(
    module: Any,
    input_shape: tuple[int, ...],
    calibration_x: np.ndarray,
    config: LoweringConfig | None = None,
    name: str = "model",
    ctx: Any = None,
) -> Int8Model:
    """Trace, calibrate on ``calibration_x`` (N,C,H,W float32, as the model's input) and lower ``module``.

    Raises :class:`LoweringError` naming an op that cannot be lowered, and
    :class:`~studio.optimize.quantize.qparams.QuantConfigError` for a bad configuration.
    """
    from studio.optimize.quantize.calibration import calibrate_ranges, collect_stats

    config = config or LoweringConfig()
    graph = trace_float_graph(module, input_shape, name)
    stats = collect_stats(graph, calibration_x, ctx=ctx)
    ranges = calibrate_ranges(stats, config.calibration, 8, percentile=config.percentile)
    plan = plan_from_ranges(graph, ranges, config)
    meta = {
        "calibration": config.calibration,
        "calibration_samples": len(calibration_x),
        "per_channel": config.per_channel,
    }
    return lower_graph(graph, plan, name, meta)
