"""Constant folding for ONNX graphs: which tensors are weights, and their values.

Why: many exporters do not store weights as initializers. ONNX's own "light" models build every weight with
``ConstantOfShape``; others use ``Constant`` nodes, or ``Transpose``/``Reshape``/``Cast`` of an initializer.
The layer table must still show those weights as the node's parameters, so we evaluate every node whose inputs
are all constant (a small numpy evaluator for the common ops, ``onnx.reference`` for the rest) and drop the
folded nodes from the graph.

Large ``ConstantOfShape`` results (over 16 MB) are read-only broadcast views (``np.broadcast_to``): a light
VGG-19 would otherwise allocate hundreds of megabytes of identical values. Copy before writing into them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import onnx

# Ops that must never be folded: their value differs from run to run or depends on state.
_NONDETERMINISTIC = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}
)
# The generic onnx.reference fallback is only worth it (and only cheap) for small inputs.
_REFERENCE_MAX_ELEMENTS = 1_000_000
# ConstantOfShape results above this size stay read-only broadcast views instead of real arrays.
_MATERIALIZE_MAX_BYTES = 16 * 1024 * 1024


@dataclass
class FoldedConstants:
    """Constant tensors by name and the indices of the graph nodes that were evaluated away."""

    values: dict[str, np.ndarray] = field(default_factory=dict)
    folded_nodes: set[int] = field(default_factory=set)


def _attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    from onnx import helper, numpy_helper

    for a in node.attribute:
        if a.name == name:
            value = helper.get_attribute_value(a)
            if hasattr(value, "data_type"):  # a TensorProto
                return numpy_helper.to_array(value)
            return value
    return default


def _constant(node: onnx.NodeProto, _inputs: list[np.ndarray]) -> np.ndarray:
    for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
        value = _attr(node, key)
        if value is not None:
            if key in ("value_float", "value_floats"):
                return np.asarray(value, dtype=np.float32)
            if key in ("value_int", "value_ints"):
                return np.asarray(value, dtype=np.int64)
            return np.asarray(value)
    raise NotImplementedError("Constant with string or sparse value")


def _constant_of_shape(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    value = _attr(node, "value")
    fill = np.zeros(1, dtype=np.float32) if value is None else np.asarray(value).reshape(-1)[:1]
    shape = tuple(int(d) for d in np.asarray(inputs[0]).reshape(-1))
    if int(np.prod(shape)) * fill.itemsize <= _MATERIALIZE_MAX_BYTES:
        return np.full(shape, fill[0], dtype=fill.dtype)  # small: a normal, writable array
    return np.broadcast_to(fill.reshape(()), shape)


def _reshape(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    data, shape = inputs[0], [int(d) for d in inputs[1].reshape(-1)]
    if not _attr(node, "allowzero", 0):
        shape = [data.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return data.reshape(shape)


def _transpose(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    perm = _attr(node, "perm")
    return np.transpose(inputs[0], perm if perm is None else list(perm))


def _cast(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    from onnx import helper

    return inputs[0].astype(helper.tensor_dtype_to_np_dtype(_attr(node, "to")))


def _axes(node: onnx.NodeProto, inputs: list[np.ndarray]) -> list[int] | None:
    if len(inputs) > 1:
        return [int(a) for a in inputs[1].reshape(-1)]
    axes = _attr(node, "axes")
    return None if axes is None else list(axes)


def _unsqueeze(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    out = inputs[0]
    rank = out.ndim + len(_axes(node, inputs) or [])
    for axis in sorted(a % rank for a in _axes(node, inputs) or []):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(node: onnx.NodeProto, inputs: list[np.ndarray]) -> np.ndarray:
    axes = _axes(node, inputs)
    return np.squeeze(inputs[0], axis=None if axes is None else tuple(axes))


_NUMPY_OPS: dict[str, Callable[[Any, list[np.ndarray]], np.ndarray]] = {
    "Constant": _constant,
    "ConstantOfShape": _constant_of_shape,
    "Identity": lambda _n, i: i[0],
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Cast": _cast,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda n, i: np.concatenate(i, axis=_attr(n, "axis", 0)),
    "Shape": lambda _n, i: np.asarray(i[0].shape, dtype=np.int64),
}


def _evaluate_with_reference(node: onnx.NodeProto, inputs: list[np.ndarray], opset: int) -> list[np.ndarray]:
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    names = [n for n in node.input if n]
    graph_inputs = [
        helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
        for n, v in zip(names, inputs, strict=True)
    ]
    outputs = [helper.make_empty_tensor_value_info(o) for o in node.output if o]
    graph = helper.make_graph([node], "fold", graph_inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    feeds = {n: np.ascontiguousarray(v) for n, v in zip(names, inputs, strict=True)}
    results = ReferenceEvaluator(model).run(None, feeds)
    return [np.asarray(r) for r in results]


def _evaluate(node: onnx.NodeProto, inputs: list[np.ndarray], opset: int) -> list[np.ndarray] | None:
    """The node's outputs, or ``None`` when it cannot (or should not) be evaluated here."""
    try:
        numpy_op = _NUMPY_OPS.get(node.op_type)
        if numpy_op is not None:
            return [numpy_op(node, inputs)]
        if sum(int(v.size) for v in inputs) > _REFERENCE_MAX_ELEMENTS:
            return None
        return _evaluate_with_reference(node, inputs, opset)
    except Exception:  # any op the evaluators can't handle simply stays a graph node
        return None


def fold_constants(graph: onnx.GraphProto, opset: int) -> FoldedConstants:
    """Evaluate every node of ``graph`` whose inputs are all initializers or already-folded constants.

    A node is kept (not folded) when it writes a graph output, belongs to a custom domain, is random, has a
    subgraph, or when evaluation fails. Never raises.
    """
    from onnx import numpy_helper

    folded = FoldedConstants()
    for init in graph.initializer:
        try:
            folded.values[init.name] = numpy_helper.to_array(init)
        except Exception:  # an odd dtype we can't decode: leave it out, the node keeps it as an input
            continue
    graph_outputs = {o.name for o in graph.output}
    for index, node in enumerate(graph.node):
        if node.domain not in ("", "ai.onnx") or node.op_type in _NONDETERMINISTIC:
            continue
        if any(o in graph_outputs for o in node.output):
            continue
        if any(a.g.node or a.graphs for a in node.attribute):
            continue
        names = [n for n in node.input if n]
        if node.op_type != "Constant" and not names:
            continue
        if not all(n in folded.values for n in names):
            continue
        results = _evaluate(node, [folded.values[n] for n in names], opset)
        if results is None:
            continue
        for name, value in zip([o for o in node.output if o], results, strict=False):
            folded.values[name] = value
        folded.folded_nodes.add(index)
    return folded
