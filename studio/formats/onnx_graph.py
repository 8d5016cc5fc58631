"""Turn an ONNX ``ModelProto`` into the studio's graph IR (see ``studio/graph/ir.py`` for the conventions).

Why a module of its own: the ONNX reader, the TorchScript reader (which exports to ONNX in memory) and any
plugin that produces ONNX share this one conversion, so every path yields the same nodes, params and shapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from studio.formats.onnx_constants import fold_constants
from studio.graph.ir import Dim, Graph, Node, TensorInfo

if TYPE_CHECKING:
    import onnx

# Roles of constant inputs by position, for the ops the analysis reads (all others use the schema's names).
_ROLES: dict[str, tuple[str, ...]] = {
    "Conv": ("X", "weight", "bias"),
    "ConvTranspose": ("X", "weight", "bias"),
    "Gemm": ("A", "weight", "bias"),
    "MatMul": ("A", "weight"),
    "BatchNormalization": ("X", "scale", "bias", "mean", "var"),
    "InstanceNormalization": ("X", "scale", "bias"),
    "LayerNormalization": ("X", "scale", "bias"),
    "PRelu": ("X", "slope"),
}


def decode_attribute(attribute: onnx.AttributeProto) -> Any:
    """An ONNX attribute as a python value: int, float, str, list, ndarray (tensors) or a subgraph label."""
    from onnx import AttributeProto, helper, numpy_helper

    if attribute.type == AttributeProto.GRAPH:
        return f"<subgraph {attribute.g.name or '?'}: {len(attribute.g.node)} nodes>"
    if attribute.type == AttributeProto.GRAPHS:
        return [f"<subgraph {g.name or '?'}: {len(g.node)} nodes>" for g in attribute.graphs]
    value = helper.get_attribute_value(attribute)
    if attribute.type == AttributeProto.TENSOR:
        return numpy_helper.to_array(value)
    if attribute.type == AttributeProto.TENSORS:
        return [numpy_helper.to_array(t) for t in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in value]
    if attribute.type in (
        AttributeProto.SPARSE_TENSOR,
        AttributeProto.SPARSE_TENSORS,
        AttributeProto.TYPE_PROTO,
    ):
        return str(value)
    return value


def _value_info(value: onnx.ValueInfoProto) -> TensorInfo | None:
    from onnx import helper

    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        return TensorInfo(value.name, None, kind or "unknown") if kind else None
    tensor_type = value.type.tensor_type
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor_type.elem_type)).name
    except (KeyError, TypeError, ValueError):
        dtype = "float32" if tensor_type.elem_type == 0 else f"onnx:{tensor_type.elem_type}"
    shape: tuple[Dim, ...] | None = None
    if tensor_type.HasField("shape"):
        dims: list[Dim] = []
        for dim in tensor_type.shape.dim:
            if dim.HasField("dim_value"):
                dims.append(int(dim.dim_value))
            elif dim.HasField("dim_param"):
                dims.append(dim.dim_param)
            else:
                dims.append(None)
        shape = tuple(dims)
    return TensorInfo(value.name, shape, dtype)


def _schema_input_names(op_type: str, domain: str, opset: int) -> list[str]:
    from onnx import defs

    try:
        schema = defs.get_schema(op_type, opset, domain)
    except Exception:  # unknown or custom op: no schema
        return []
    return [i.name for i in schema.inputs]


def _role(op_type: str, position: int, schema_names: list[str], taken: dict[str, np.ndarray]) -> str:
    roles = _ROLES.get(op_type)
    if roles is not None and position < len(roles):
        name = roles[position]
    elif position < len(schema_names):
        name = schema_names[position]
    elif schema_names:  # variadic inputs (Concat, Sum): repeat the last formal name with an index
        name = f"{schema_names[-1]}{position}"
    else:
        name = f"input{position}"
    base, suffix = name, 1
    while name in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1
    return name


def _normalise_matrix_params(node: Node) -> None:
    """Store Gemm/MatMul weights as (out_features, in_features), as the IR promises."""
    weight = node.params.get("weight")
    if weight is None or weight.ndim != 2:
        if node.op == "MatMul" and weight is not None:
            node.params["B"] = node.params.pop("weight")  # batched MatMul: no (out, in) meaning
        return
    if node.op == "Gemm":
        if not node.attrs.get("transB", 0):
            node.params["weight"] = weight.T
            node.attrs["transB"] = 1
    elif node.op == "MatMul":
        node.params["weight"] = weight.T


def _unique_name(wanted: str, used: set[str]) -> str:
    name, suffix = wanted, 1
    while name in used:
        name, suffix = f"{wanted}_{suffix}", suffix + 1
    used.add(name)
    return name


def graph_from_onnx(model: onnx.ModelProto, name: str) -> Graph:
    """Convert a (shape-inferred) ONNX model to a :class:`Graph`.

    Initializers and tensors computed only from constants become ``Node.params`` and vanish from
    ``Node.inputs``; nodes that merely computed constants are dropped. Never raises for odd but valid models.
    """
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    graph = model.graph
    folded = fold_constants(graph, opset)
    constants = folded.values

    tensors: dict[str, TensorInfo] = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        info = _value_info(value)
        if info is not None and value.name not in constants:
            tensors[value.name] = info

    nodes: list[Node] = []
    used: set[str] = set()
    for index, proto in enumerate(graph.node):
        if index in folded.folded_nodes:
            continue
        schema_names = _schema_input_names(proto.op_type, proto.domain, opset)
        node = Node(
            name=_unique_name(proto.name or f"{proto.op_type}_{index}", used),
            op=proto.op_type,
            outputs=[o for o in proto.output if o],
            attrs={a.name: decode_attribute(a) for a in proto.attribute},
        )
        for position, tensor in enumerate(proto.input):
            if not tensor:
                continue
            if tensor in constants:
                role = _role(proto.op_type, position, schema_names, node.params)
                node.params[role] = constants[tensor]
            else:
                node.inputs.append(tensor)
        if proto.domain not in ("", "ai.onnx"):
            node.attrs.setdefault("domain", proto.domain)
        _normalise_matrix_params(node)
        nodes.append(node)

    inputs = [i.name for i in graph.input if i.name not in constants]
    metadata: dict[str, Any] = {
        "opset": opset,
        "ir_version": int(model.ir_version),
        "producer": " ".join(p for p in (model.producer_name, model.producer_version) if p),
        "onnx_graph_name": graph.name,
    }
    return Graph(
        name=name,
        nodes=nodes,
        tensors=tensors,
        inputs=inputs,
        outputs=[o.name for o in graph.output],
        metadata=metadata,
    )
