"""Peak activation memory when the graph runs node by node in its execution order.

Why this model: an MCU runtime keeps a tensor in its arena from the step that writes it until the last step
that reads it. At each step the live set is every tensor already written and still needed, plus the tensors
the step itself reads and writes (both exist while it runs). Graph inputs are live from step 0; graph outputs
stay live until the end. Constants (weights) are not activations and are not counted. Bytes are for one
sample (batch of one), like every count in :mod:`studio.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.analysis.macs import per_sample_elements
from studio.graph.ir import Graph


@dataclass(frozen=True)
class MemoryStep:
    """Live activation bytes while ``node`` runs, and which tensors they are."""

    node: str
    live_bytes: int
    live_tensors: tuple[str, ...]


@dataclass(frozen=True)
class MemoryTimeline:
    """Peak activation memory, the node running at the peak, and the per-step timeline."""

    peak_bytes: int
    peak_node: str | None
    steps: list[MemoryStep] = field(default_factory=list)


def tensor_bytes(graph: Graph, name: str) -> int:
    """Bytes of one sample of tensor ``name`` (0 when its shape is unknown)."""
    info = graph.tensor(name)
    elements = per_sample_elements(info.shape)
    return 0 if elements is None else elements * info.itemsize


def activation_timeline(graph: Graph) -> MemoryTimeline:
    """Live activation bytes at every step of ``graph.nodes`` and the peak over them.

    A tensor is live from its producer's step (graph inputs: step 0) to its last consumer's step inclusive
    (graph outputs: the last step). The earliest step with the maximum is reported as the peak.
    """
    if not graph.nodes:
        total = sum(tensor_bytes(graph, t) for t in graph.inputs)
        return MemoryTimeline(total, None, [])
    last = len(graph.nodes) - 1
    first_step: dict[str, int] = {t: 0 for t in graph.inputs}
    last_step: dict[str, int] = {t: 0 for t in graph.inputs}
    for step, node in enumerate(graph.nodes):
        for t in node.inputs:
            first_step.setdefault(t, step)  # a tensor nobody produced (e.g. missing input): live from here
            last_step[t] = step
        for t in node.outputs:
            first_step.setdefault(t, step)
            last_step[t] = max(last_step.get(t, step), step)
    for t in graph.outputs:
        if t in first_step:
            last_step[t] = last
    # Sweep: add at the first step, remove after the last step.
    starts: dict[int, list[str]] = {}
    ends: dict[int, list[str]] = {}
    for t, s in first_step.items():
        starts.setdefault(s, []).append(t)
        ends.setdefault(last_step[t], []).append(t)
    sizes = {t: tensor_bytes(graph, t) for t in first_step}
    live: dict[str, int] = {}
    live_bytes = 0
    steps: list[MemoryStep] = []
    peak, peak_node = -1, None
    for step, node in enumerate(graph.nodes):
        for t in starts.get(step, []):
            live[t] = sizes[t]
            live_bytes += sizes[t]
        steps.append(MemoryStep(node.name, live_bytes, tuple(live)))
        if live_bytes > peak:
            peak, peak_node = live_bytes, node.name
        for t in ends.get(step, []):
            live_bytes -= live.pop(t, 0)
    return MemoryTimeline(max(peak, 0), peak_node, steps)


def peak_activation_bytes(graph: Graph) -> int:
    """The peak of :func:`activation_timeline`."""
    return activation_timeline(graph).peak_bytes
