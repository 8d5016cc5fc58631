"""The per-layer cost table of a model: parameters, MACs, weight and activation bytes, latency when measured.

Why every node is a row: the table filters and sorts; dropping "uninteresting" nodes here would hide the
adds and concats that set peak memory. Counts are for one sample (see :mod:`studio.analysis.macs`).

``params`` counts learnable values the way ``sum(p.numel() for p in module.parameters())`` does: batch-norm
running statistics (``mean``, ``var``) are stored constants, so they are in ``weight_bytes`` but not in
``params``. That keeps ResNet-50 at its familiar 25.56M.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from studio.analysis.macs import node_macs
from studio.analysis.memory import MemoryTimeline, activation_timeline, tensor_bytes
from studio.graph.ir import Dim, Graph, Node

_STATISTIC_ROLES = frozenset({"mean", "var"})


@dataclass(frozen=True)
class LayerProfile:
    """One row of the layer table (one IR node)."""

    name: str
    op: str
    module: str | None
    output_shape: tuple[Dim, ...] | None
    params: int
    macs: int
    weight_bytes: int
    activation_bytes: int
    latency_ms: float | None = None


@dataclass(frozen=True)
class ProfileTotals:
    """Whole-model figures; ``peak_activation_bytes`` comes from the execution-order timeline."""

    params: int
    macs: int
    weight_bytes: int
    peak_activation_bytes: int
    latency_ms: float | None = None
    peak_node: str | None = None


@dataclass(frozen=True)
class ModelProfile:
    """Rows in execution order plus totals; immutable, so a version of a model keeps its own profile."""

    layers: list[LayerProfile]
    total: ProfileTotals
    memory: MemoryTimeline | None = field(default=None, compare=False, repr=False)

    def layer(self, name: str) -> LayerProfile:
        """The row of node ``name``; raises ``KeyError`` if there is none."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"layers": [...], "total": {...}}`` (shapes as lists)."""
        layers = []
        for layer in self.layers:
            row = asdict(layer)
            row["output_shape"] = list(layer.output_shape) if layer.output_shape is not None else None
            layers.append(row)
        return {"layers": layers, "total": asdict(self.total)}

    def with_latency(self, per_node_ms: dict[str, float]) -> ModelProfile:
        """A copy with measured latencies; ``per_node_ms["__total__"]`` (if given) becomes the total.

        Rows with no measurement get ``None``. Without ``__total__`` the total is the sum of the rows.
        """
        layers = [replace(layer, latency_ms=_float_or_none(per_node_ms.get(layer.name))) for layer in self.layers]
        total_ms = per_node_ms.get("__total__")
        if total_ms is None:
            measured = [layer.latency_ms for layer in layers if layer.latency_ms is not None]
            total_ms = sum(measured) if measured else None
        return ModelProfile(layers, replace(self.total, latency_ms=_float_or_none(total_ms)), self.memory)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def learnable_params(node: Node) -> int:
    """Constant elements of ``node`` except batch-norm running statistics."""
    return int(sum(p.size for role, p in node.params.items() if role not in _STATISTIC_ROLES))


def profile_graph(graph: Graph) -> ModelProfile:
    """Static profile of ``graph``: one :class:`LayerProfile` per node, and totals with peak memory."""
    layers = []
    for node in graph.nodes:
        out = node.outputs[0] if node.outputs else None
        layers.append(
            LayerProfile(
                name=node.name,
                op=node.op,
                module=node.module,
                output_shape=graph.tensor(out).shape if out else None,
                params=learnable_params(node),
                macs=node_macs(node, graph),
                weight_bytes=node.param_bytes,
                activation_bytes=sum(tensor_bytes(graph, t) for t in node.outputs),
            )
        )
    timeline = activation_timeline(graph)
    total = ProfileTotals(
        params=sum(layer.params for layer in layers),
        macs=sum(layer.macs for layer in layers),
        weight_bytes=sum(layer.weight_bytes for layer in layers),
        peak_activation_bytes=timeline.peak_bytes,
        peak_node=timeline.peak_node,
    )
    return ModelProfile(layers, total, timeline)
