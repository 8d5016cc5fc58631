"""Colours of graph nodes by op kind, in a light and a dark variant that both read well.

Why kinds rather than one colour per op: a model has dozens of op types but a reader scans for a handful of
roles (where the convolutions are, where the shape juggling is); eight hues are tellable apart at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

CONV, LINEAR, ACTIVATION, POOLING, NORMALIZATION, ELEMENTWISE, RESHAPE, OTHER = (
    "conv",
    "linear",
    "activation",
    "pooling",
    "normalization",
    "elementwise",
    "reshape",
    "other",
)
KINDS = (CONV, LINEAR, ACTIVATION, POOLING, NORMALIZATION, ELEMENTWISE, RESHAPE, OTHER)

_OPS_BY_KIND = {
    CONV: ("Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "DepthwiseConv"),
    LINEAR: ("Gemm", "MatMul", "MatMulInteger", "QLinearMatMul", "Linear", "Einsum", "Attention"),
    ACTIVATION: (
        "Relu",
        "LeakyRelu",
        "PRelu",
        "Sigmoid",
        "HardSigmoid",
        "HardSwish",
        "Tanh",
        "Softmax",
        "LogSoftmax",
        "Elu",
        "Selu",
        "Celu",
        "Gelu",
        "Mish",
        "Softplus",
        "Softsign",
        "Clip",
        "Relu6",
        "Silu",
        "Swish",
        "ThresholdedRelu",
    ),
    POOLING: (
        "MaxPool",
        "AveragePool",
        "GlobalAveragePool",
        "GlobalMaxPool",
        "LpPool",
        "GlobalLpPool",
        "AdaptiveAvgPool",
        "Upsample",
        "Resize",
        "MaxUnpool",
    ),
    NORMALIZATION: (
        "BatchNormalization",
        "LayerNormalization",
        "InstanceNormalization",
        "GroupNormalization",
        "LpNormalization",
        "LRN",
        "Dropout",
    ),
    ELEMENTWISE: (
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Pow",
        "Sqrt",
        "Exp",
        "Log",
        "Abs",
        "Neg",
        "Max",
        "Min",
        "Sum",
        "Mean",
        "Concat",
        "Split",
        "Where",
        "Equal",
        "Greater",
        "Less",
        "And",
        "Or",
        "Not",
        "Erf",
        "Reciprocal",
        "ReduceMean",
        "ReduceSum",
        "ReduceMax",
        "ReduceMin",
        "QuantizeLinear",
        "DequantizeLinear",
    ),
    RESHAPE: (
        "Reshape",
        "Flatten",
        "Transpose",
        "Squeeze",
        "Unsqueeze",
        "Shape",
        "Gather",
        "Slice",
        "Expand",
        "Tile",
        "Pad",
        "Cast",
        "Identity",
        "ConstantOfShape",
        "Constant",
        "Range",
        "DepthToSpace",
        "SpaceToDepth",
        "GatherElements",
        "ScatterND",
    ),
}
_KIND_OF_OP = {op: kind for kind, ops in _OPS_BY_KIND.items() for op in ops}


def op_kind(op: str) -> str:
    """The colour kind of an ONNX op name (``"other"`` when unknown)."""
    return _KIND_OF_OP.get(op, OTHER)


@dataclass(frozen=True)
class KindColors:
    """Fill, border and text colour (``#rrggbb``) of one kind in one theme."""

    fill: str
    border: str
    text: str


LIGHT_KIND_COLORS = {
    CONV: KindColors("#dbeafe", "#3b82f6", "#1e3a8a"),
    LINEAR: KindColors("#ede9fe", "#8b5cf6", "#4c1d95"),
    ACTIVATION: KindColors("#fee2e2", "#ef4444", "#7f1d1d"),
    POOLING: KindColors("#dcfce7", "#22c55e", "#14532d"),
    NORMALIZATION: KindColors("#ccfbf1", "#14b8a6", "#134e4a"),
    ELEMENTWISE: KindColors("#fef3c7", "#f59e0b", "#78350f"),
    RESHAPE: KindColors("#e2e8f0", "#64748b", "#1e293b"),
    OTHER: KindColors("#f3f4f6", "#9ca3af", "#1f2937"),
}
DARK_KIND_COLORS = {
    CONV: KindColors("#1e3a5f", "#60a5fa", "#dbeafe"),
    LINEAR: KindColors("#36285a", "#a78bfa", "#ede9fe"),
    ACTIVATION: KindColors("#5a2227", "#f87171", "#fee2e2"),
    POOLING: KindColors("#1b4332", "#4ade80", "#dcfce7"),
    NORMALIZATION: KindColors("#134e4a", "#2dd4bf", "#ccfbf1"),
    ELEMENTWISE: KindColors("#4a3812", "#fbbf24", "#fef3c7"),
    RESHAPE: KindColors("#2d3748", "#94a3b8", "#e2e8f0"),
    OTHER: KindColors("#30343a", "#9ca3af", "#e5e7eb"),
}


def kind_colors(kind: str, dark: bool) -> KindColors:
    """The colours of ``kind`` for the dark or light theme."""
    table = DARK_KIND_COLORS if dark else LIGHT_KIND_COLORS
    return table.get(kind, table[OTHER])
