"""What a subnet costs on a microcontroller: MACs, parameters, flash bytes, peak SRAM and latency.

Why an IR graph built from the architecture instead of tracing a module: the search checks thousands of
candidates against the limits, and building this graph takes well under a millisecond while tracing takes a
second. The graph is the deployed form (batch norm folded into the convolutions, ReLU6 fused, int8 tensors),
and its int8 form (:mod:`studio.optimize.nas.deploy_memory`) is what deploy would lower, plan and store. A
test checks MACs and parameters against the traced standalone subnet, and peak SRAM and flash against the
subnet lowered and generated for real.

:func:`peak_sram_bytes` is the one place the search asks "how much SRAM does this subnet need": the arena of
deploy's memory planner (in-place operators, aliases, packing), which holds the input and output too. What a
board needs besides (stack, firmware) is added by :mod:`studio.optimize.nas.boards`, as deploy's fit check does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from studio.analysis.macs import node_macs
from studio.graph.ir import Graph, Node, TensorInfo
from studio.optimize.nas.arch import SubnetArch
from studio.optimize.nas.space import SearchSpace

#: Activations and weights are int8 once deployed; biases (folded batch norm) are int32.
ACTIVATION_DTYPE = "int8"
BIAS_BYTES = 4


@dataclass(frozen=True)
class SubnetCosts:
    """Costs of one subnet for one sample. ``flash_bytes``: the int8 model's constants as deploy stores them
    (weights, int32 biases, requantization multipliers and shifts); ``peak_sram_bytes``: deploy's arena.
    ``latency_ms`` is None when no latency table was given."""

    macs: int
    params: int
    flash_bytes: int
    peak_sram_bytes: int
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shape_only(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    # A zero-strided view: shape and nbytes for the cost model without allocating the weights.
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


class _GraphBuilder:
    def __init__(self, name: str) -> None:
        self.nodes: list[Node] = []
        self.tensors: dict[str, TensorInfo] = {}
        self.name = name

    def tensor(self, name: str, shape: tuple[int, ...]) -> str:
        self.tensors[name] = TensorInfo(name, (1, *shape), ACTIVATION_DTYPE)
        return name

    def conv(self, name: str, x: str, out_c: int, k: int, stride: int, groups: int = 1) -> str:
        _, in_c, h, w = self.tensors[x].shape  # type: ignore[misc]
        oh, ow = -(-int(h) // stride), -(-int(w) // stride)  # "same" padding
        y = self.tensor(f"{name}.out", (out_c, oh, ow))
        params = {
            "weight": _shape_only((out_c, int(in_c) // groups, k, k), "int8"),
            "bias": _shape_only((out_c,), "int32"),
        }
        attrs = {"kernel_shape": [k, k], "strides": [stride, stride], "group": groups, "pads": [k // 2] * 4}
        self.nodes.append(Node(name, "Conv", [x], [y], attrs, params, module=name))
        return y

    def add(self, name: str, a: str, b: str) -> str:
        y = self.tensor(f"{name}.out", tuple(self.tensors[a].shape[1:]))  # type: ignore[arg-type]
        self.nodes.append(Node(name, "Add", [a, b], [y]))
        return y


def subnet_graph(space: SearchSpace, arch: SubnetArch, in_channels: int, num_classes: int) -> Graph:
    """The deployed-form IR graph of ``arch`` (one sample, int8 activations), node names as in
    :class:`~studio.optimize.nas.subnet.SearchedNet` (``features.3.conv.1.0`` ...)."""
    g = _GraphBuilder(arch.key())
    x = g.tensor("input", (in_channels, arch.resolution, arch.resolution))
    h = g.conv("features.0.0", x, space.stem_out(arch.width), 3, space.stem_stride)
    index = 1
    for s in range(len(space.stages)):
        out_c = space.stage_out(s, arch.width)
        for b in range(arch.depths[s]):
            prefix = f"features.{index}"
            index += 1
            in_c = space.block_in(s, b, arch.width)
            stride = space.block_stride(s, b)
            expand = arch.expands[s][b]
            hidden = in_c * expand
            y = h
            conv_index = 0
            if expand != 1:
                y = g.conv(f"{prefix}.conv.0.0", y, hidden, 1, 1)
                conv_index = 1
            y = g.conv(f"{prefix}.conv.{conv_index}.0", y, hidden, arch.kernels[s][b], stride, groups=hidden)
            y = g.conv(f"{prefix}.conv.{conv_index + 1}", y, out_c, 1, 1)
            if stride == 1 and in_c == out_c:
                y = g.add(f"{prefix}.add", h, y)
            h = y
    last_c = space.stage_out(len(space.stages) - 1, arch.width)
    pooled = g.tensor("pool.out", (last_c, 1, 1))
    g.nodes.append(Node("pool", "GlobalAveragePool", [h], [pooled]))
    logits = g.tensor("logits", (num_classes,))
    params = {"weight": _shape_only((num_classes, last_c), "int8"), "bias": _shape_only((num_classes,), "int32")}
    g.nodes.append(Node("classifier", "Gemm", [pooled], [logits], {}, params, module="classifier"))
    return Graph(g.name, g.nodes, g.tensors, [x], [logits])


def peak_sram_bytes(graph: Graph) -> int:
    """Peak SRAM (bytes) the subnet needs at run time: the arena deploy's planner gives its int8 form.

    The single function the search asks; equal to ``arena_bytes`` of ``tinyml-studio deploy`` for the same
    subnet (a test checks it). Raises :class:`~studio.int8.ir.Int8ModelError` for a graph deploy cannot plan.
    """
    from studio.optimize.nas.deploy_memory import subnet_memory_plan

    return int(subnet_memory_plan(graph).arena_bytes)


def trainable_params(space: SearchSpace, arch: SubnetArch, in_channels: int, num_classes: int) -> int:
    """Parameters of the standalone PyTorch subnet (convolutions, batch-norm scale and shift, classifier)."""
    graph = subnet_graph(space, arch, in_channels, num_classes)
    total = 0
    for node in graph.nodes:
        if node.op == "Conv":
            out_c = node.params["weight"].shape[0]
            total += node.params["weight"].size + 2 * out_c  # the conv has no bias; its batch norm has two
        elif node.op == "Gemm":
            total += node.params["weight"].size + node.params["bias"].size
    return int(total)


def subnet_costs(
    space: SearchSpace, arch: SubnetArch, in_channels: int, num_classes: int, latency_table: Any = None
) -> SubnetCosts:
    """MACs, parameters, flash and peak SRAM as deploy would store and plan them, and, with a table, latency."""
    from studio.optimize.nas.deploy_memory import deployed_form

    graph = subnet_graph(space, arch, in_channels, num_classes)
    macs = sum(node_macs(node, graph) for node in graph.nodes)
    int8_model, plan = deployed_form(graph)
    latency = latency_table.graph_latency_ms(graph) if latency_table is not None else None
    return SubnetCosts(
        macs=int(macs),
        params=trainable_params(space, arch, in_channels, num_classes),
        flash_bytes=int(int8_model.weight_bytes),
        peak_sram_bytes=int(plan.arena_bytes),
        latency_ms=None if latency is None else float(latency),
    )
