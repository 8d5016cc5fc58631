"""The deploy memory planner's arena for a subnet, without lowering it: the search's peak-SRAM model.

Why not lower every candidate for real: tracing, calibrating and lowering a subnet takes 0.1-0.2 s, and a
search checks hundreds of candidates against the limits for every trial. The arena does not depend on any
weight or scale, only on the ops, their shapes and their order, so :func:`int8_skeleton` writes the int8 model
(:class:`studio.int8.ir.Int8Model`) that :func:`studio.int8.lower.lower_module` would produce for the
standalone subnet, with zero weights and unit scales, in well under a millisecond. Deploy's own
:func:`~studio.deploy.lifetimes.compute_lifetimes` (in-place adds and pooling, reshape aliases, in-place
depthwise with a channel buffer) and :func:`~studio.deploy.planner.plan_memory` (four heuristics, the best
kept) then place it: one memory model for the search and for deploy. A test lowers subnets for real and
checks that the arena is the same byte for byte.

Tensor and op names follow what ``torch.fx`` calls them in :class:`~studio.optimize.nas.subnet.SearchedNet`
(``features_1_conv_0_0``, ``add_1``, ``adaptive_avg_pool2d``, ``flatten``): the planner breaks ties between
buffers by name, so equal names make equal plans, not merely equal sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.graph.ir import Graph, Node

_INPUT = "x"


def _fx_names(graph: Graph) -> dict[str, str]:
    """Cost-graph tensor name -> the name fx gives the same value in the traced standalone subnet."""
    names = {graph.inputs[0]: _INPUT}
    adds = 0
    for node in graph.nodes:
        if node.op == "Add":
            names[node.outputs[0]] = "add" if adds == 0 else f"add_{adds}"
            adds += 1
        elif node.op == "GlobalAveragePool":
            names[node.outputs[0]] = "adaptive_avg_pool2d"
        else:
            names[node.outputs[0]] = node.name.replace(".", "_")
    return names


def _op_name(node: Node, tensor: str) -> str:
    # fx names convolutions and the classifier by module path, functions (add, pooling) by their value.
    return node.name if node.op in ("Conv", "Gemm") else tensor


def int8_skeleton(graph: Graph) -> Any:
    """The :class:`~studio.int8.ir.Int8Model` deploy would plan for ``graph`` (the deployed-form cost graph of
    :func:`studio.optimize.nas.costs.subnet_graph`: Conv, Add, GlobalAveragePool, Gemm), zero weights.

    Raises :class:`~studio.int8.ir.Int8ModelError` for a graph with another op or inconsistent shapes.
    """
    from studio.int8.ir import (
        Add,
        AveragePool2D,
        Conv2D,
        FullyConnected,
        Int8Model,
        Int8ModelError,
        Reshape,
        TensorSpec,
    )

    names = _fx_names(graph)
    tensors: dict[str, TensorSpec] = {}

    def spec(name: str, shape: tuple[int, ...]) -> str:
        tensors[name] = TensorSpec(name, shape, 1.0, 0)
        return name

    def hwc(tensor: str) -> tuple[int, ...]:
        shape = tuple(int(d) for d in graph.tensor(tensor).shape[1:])  # type: ignore[union-attr]
        return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape

    x = spec(_INPUT, hwc(graph.inputs[0]))
    ops: list[Any] = []
    for node in graph.nodes:
        out = names[node.outputs[0]]
        ins = tuple(names[i] for i in node.inputs)
        name = _op_name(node, out)
        if node.op == "Conv":
            cout, cin_g, kh, kw = node.params["weight"].shape
            zeros = np.zeros(cout, np.int32)
            ops.append(
                Conv2D(
                    name,
                    ins,
                    spec(out, hwc(node.outputs[0])),
                    weights=np.zeros((cout, kh, kw, cin_g), np.int8),
                    bias=zeros,
                    multiplier=zeros,
                    shift=zeros,
                    weight_scale=np.ones(cout),
                    stride=tuple(node.attrs["strides"]),
                    padding=tuple(node.attrs["pads"]),
                    groups=int(node.attrs.get("group", 1)),
                )
            )
        elif node.op == "Add":
            ops.append(Add(name, ins, spec(out, hwc(node.outputs[0]))))
        elif node.op == "GlobalAveragePool":
            h, w, c = tensors[ins[0]].shape
            ops.append(AveragePool2D(name, ins, spec(out, (1, 1, c)), kernel=(h, w), stride=(h, w)))
            flat = spec("flatten", (c,))
            ops.append(Reshape("flatten", (out,), flat, shape=(c,)))
            names[node.outputs[0]] = flat  # the classifier reads the flattened vector
        elif node.op == "Gemm":
            cout, cin = node.params["weight"].shape
            zeros = np.zeros(cout, np.int32)
            src = names[node.inputs[0]]
            ops.append(
                FullyConnected(
                    name,
                    (src,),
                    spec(out, (cout,)),
                    weights=np.zeros((cout, cin), np.int8),
                    bias=zeros,
                    multiplier=zeros,
                    shift=zeros,
                    weight_scale=np.ones(cout),
                )
            )
        else:
            raise Int8ModelError(f"{node.name}: no int8 form for {node.op} in a searched subnet")
    order = [x, *(op.output for op in ops)]
    return Int8Model(graph.name, tuple(tensors[t] for t in order), tuple(ops), (x,), (ops[-1].output,))


def deployed_form(graph: Graph) -> tuple[Any, Any]:
    """``(int8 skeleton, deploy's MemoryPlan of it)`` for the subnet ``graph``: what deploy would store in flash
    (the skeleton's ``weight_bytes``) and the arena it would place in SRAM (the plan's ``arena_bytes``)."""
    from studio.deploy.lifetimes import compute_lifetimes
    from studio.deploy.planner import plan_memory

    model = int8_skeleton(graph)
    return model, plan_memory(compute_lifetimes(model))


def subnet_memory_plan(graph: Graph) -> Any:
    """Deploy's :class:`~studio.deploy.planner.MemoryPlan` for the subnet ``graph`` (see :func:`int8_skeleton`)."""
    return deployed_form(graph)[1]
