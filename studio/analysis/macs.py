"""Multiply-accumulate counts per IR node, from shapes and weights alone (no execution).

Conventions, chosen to match the figures papers and model zoos quote (ResNet-50: 4.1 GMACs):

* Counts are for **one sample**: the batch dimension (the first one, possibly symbolic) is left out.
* Only ops whose cost is multiply-accumulates count: ``Conv``, ``ConvTranspose``, ``Gemm``, ``MatMul``.
* ``BatchNormalization`` counts 0: every deployment path folds it into the preceding convolution.
* Pooling, activations and element-wise ops count 0 MACs; :func:`node_ops` reports their element-wise
  operations separately for anyone who wants them.
"""

from __future__ import annotations

import math

from studio.graph.ir import Dim, Graph, Node

MAC_OPS = frozenset({"Conv", "ConvTranspose", "Gemm", "MatMul"})
_ONE_OP_PER_ELEMENT = frozenset(
    {
        "Relu",
        "Clip",
        "Sigmoid",
        "Tanh",
        "HardSwish",
        "HardSigmoid",
        "LeakyRelu",
        "Elu",
        "Gelu",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Neg",
        "Exp",
        "Sqrt",
        "Pow",
        "Abs",
        "Erf",
        "BatchNormalization",
        "Softmax",
        "LogSoftmax",
    }
)


def per_sample_elements(shape: tuple[Dim, ...] | None) -> int | None:
    """Elements of one sample of a batch-first tensor, or ``None`` when a non-batch dim is unknown."""
    if shape is None:
        return None
    if len(shape) == 0:
        return 1
    rest = shape[1:]
    if not all(isinstance(d, int) for d in rest):
        return None
    return int(math.prod(rest))  # type: ignore[arg-type]


def node_macs(node: Node, graph: Graph) -> int:
    """Multiply-accumulates of ``node`` for one sample; 0 for ops that are not MAC-bound or unknown shapes."""
    if node.op not in MAC_OPS or not node.outputs:
        return 0
    out = per_sample_elements(graph.tensor(node.outputs[0]).shape)
    if out is None:
        return 0
    weight = node.params.get("weight")
    if node.op == "Conv":
        # weight (Cout, Cin/group, kh, kw): each output element reads Cin/group * kh * kw inputs.
        if weight is not None:
            return out * int(math.prod(weight.shape[1:]))
        return out * _conv_reduction_without_weight(node, graph)
    if node.op == "ConvTranspose":
        # weight (Cin, Cout/group, kh, kw): each input element is spread over Cout/group * kh * kw outputs.
        inp = per_sample_elements(graph.tensor(node.inputs[0]).shape) if node.inputs else None
        if weight is None or inp is None:
            return 0
        return inp * int(math.prod(weight.shape[1:]))
    # Gemm / MatMul: weight is (out_features, in_features) by IR convention.
    if weight is not None and weight.ndim == 2:
        return out * int(weight.shape[1])
    if node.inputs:
        shape = graph.tensor(node.inputs[0]).shape
        if shape and isinstance(shape[-1], int):
            return out * int(shape[-1])
    return 0


def node_ops(node: Node, graph: Graph) -> int:
    """Element-wise operations of non-MAC ops (one per output element; pooling: one per window element)."""
    if not node.outputs:
        return 0
    out = per_sample_elements(graph.tensor(node.outputs[0]).shape) or 0
    if node.op in _ONE_OP_PER_ELEMENT:
        return out
    if node.op in ("MaxPool", "AveragePool"):
        return out * int(math.prod(node.attrs.get("kernel_shape", [1])))
    if node.op in ("GlobalAveragePool", "ReduceMean") and node.inputs:
        return per_sample_elements(graph.tensor(node.inputs[0]).shape) or 0
    return 0


def _conv_reduction_without_weight(node: Node, graph: Graph) -> int:
    # The weight arrives as an activation (rare: weight-shared or generated kernels): use attrs and shapes.
    kernel = node.attrs.get("kernel_shape")
    shape = graph.tensor(node.inputs[0]).shape if node.inputs else None
    if not kernel or not shape or len(shape) < 2 or not isinstance(shape[1], int):
        return 0
    return int(shape[1] // int(node.attrs.get("group", 1)) * math.prod(kernel))
