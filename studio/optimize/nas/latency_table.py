"""Latency from lookup tables: per-operator milliseconds, summed over a subnet's deployed graph.

Why a table (ProxylessNAS, MCUNet): measuring every candidate end to end is too slow for a search, while the
operators repeat (a 1x1 conv from 16 to 96 channels at 8x8 appears in many subnets). Two kinds:

* :class:`MeasuredLatencyTable`: each operator signature is timed once on this CPU with torch (one thread,
  batch one, median of repeats) the first time a subnet uses it, and kept in a JSON file, so the next search
  reuses it. A table measured on a board has the same format and plugs in the same way.
* :class:`EstimatedBoardLatency`: for the boards deploy knows, MACs times the cycles per MAC of the board's
  core at the board's clock (:mod:`studio.optimize.nas.boards`), clearly an estimate.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from studio.analysis.macs import node_macs
from studio.graph.ir import Graph, Node
from studio.optimize.nas.boards import SearchBoard

TABLE_FORMAT = 1
_REPEATS = 15
_WARMUP = 3


def op_signature(node: Node, graph: Graph) -> str:
    """A key that is equal for operators with equal cost: op, channels, kernel, stride, groups, input size."""
    shape = graph.tensor(node.inputs[0]).shape if node.inputs else None
    c = shape[1] if shape and len(shape) > 1 else "?"
    h = shape[2] if shape and len(shape) > 2 else 1
    if node.op == "Conv":
        w = node.params["weight"].shape
        return f"Conv:i{c}:o{w[0]}:k{w[2]}:s{node.attrs['strides'][0]}:g{node.attrs.get('group', 1)}:h{h}"
    if node.op == "Gemm":
        w = node.params["weight"].shape
        return f"Gemm:i{w[1]}:o{w[0]}"
    return f"{node.op}:c{c}:h{h}"


def _build_op(signature: str) -> tuple[Any, Any]:
    """A torch callable and an input for ``signature`` (what :func:`measure_op_ms` times)."""
    import torch
    import torch.nn.functional as F

    op, *fields = signature.split(":")
    v = {f[0]: int(f[1:]) for f in fields if f[1:].isdigit()}
    if op == "Conv":
        x = torch.randn(1, v["i"], v["h"], v["h"])
        w = torch.randn(v["o"], v["i"] // v["g"], v["k"], v["k"])
        return (lambda t: F.conv2d(t, w, None, v["s"], v["k"] // 2, groups=v["g"])), x
    if op == "Gemm":
        x = torch.randn(1, v["i"])
        w = torch.randn(v["o"], v["i"])
        return (lambda t: F.linear(t, w)), x
    x = torch.randn(1, v.get("c", 1), v.get("h", 1), v.get("h", 1))
    if op == "Add":
        return (lambda t: t + t), x
    if op == "GlobalAveragePool":
        return (lambda t: F.adaptive_avg_pool2d(t, 1)), x
    return (lambda t: t), x


def measure_op_ms(signature: str, repeats: int = _REPEATS) -> float:
    """Median milliseconds of one run of the operator ``signature`` on this CPU (one torch thread)."""
    import torch

    from studio.optimize.nas.trial_eval import torch_threads

    fn, x = _build_op(signature)
    with torch_threads(1), torch.no_grad():
        for _ in range(_WARMUP):
            fn(x)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter_ns()
            fn(x)
            samples.append(time.perf_counter_ns() - start)
    return float(statistics.median(samples)) / 1e6


class MeasuredLatencyTable:
    """Operator signature -> milliseconds on ``device``; unknown signatures are measured here when allowed."""

    def __init__(self, device: str = "host CPU", entries: dict[str, float] | None = None, measure: bool = True) -> None:
        self.device = device
        self.entries: dict[str, float] = dict(entries or {})
        self.measure = measure
        self.measured_now = 0

    @property
    def label(self) -> str:
        return f"{self.device} ms"

    def op_ms(self, node: Node, graph: Graph) -> float:
        """Milliseconds of ``node``; raises KeyError for an unknown signature when measuring is off."""
        key = op_signature(node, graph)
        if key not in self.entries:
            if not self.measure:
                raise KeyError(f"latency table for {self.device} has no entry for {key}")
            self.entries[key] = measure_op_ms(key)
            self.measured_now += 1
        return self.entries[key]

    def graph_latency_ms(self, graph: Graph) -> float:
        """Sum of the table's entries over ``graph``'s nodes."""
        return float(sum(self.op_ms(node, graph) for node in graph.nodes))

    def save(self, path: str | Path) -> Path:
        """Write the table as JSON (atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        data = {"format": TABLE_FORMAT, "device": self.device, "entries": self.entries}
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path, measure: bool = True) -> MeasuredLatencyTable:
        """A table from a JSON file; a missing or unreadable file gives an empty table (it refills itself)."""
        try:
            data = json.loads(Path(path).read_text())
            entries = {str(k): float(v) for k, v in data.get("entries", {}).items()}
            return cls(str(data.get("device", "host CPU")), entries, measure)
        except (OSError, ValueError, AttributeError):
            return cls(measure=measure)


class EstimatedBoardLatency:
    """Milliseconds on a board estimated from the graph's MACs (see :mod:`.boards`: the per-MAC cycles were
    measured on whole subnets, so adds, pooling and requantization are in them)."""

    def __init__(self, board: SearchBoard) -> None:
        if board.cycles_per_mac is None:
            raise ValueError(f"no speed estimate for {board.name} ({board.board.core})")
        self.board = board

    @property
    def label(self) -> str:
        return f"{self.board.short_name} ms (est.)"

    def graph_latency_ms(self, graph: Graph) -> float:
        return float(self.board.latency_ms(sum(node_macs(node, graph) for node in graph.nodes)) or 0.0)


def board_latencies(graph: Graph) -> dict[str, float]:
    """Estimated milliseconds of ``graph`` on every registered real board with a speed estimate, by board id."""
    from studio.optimize.nas.boards import latency_boards

    return {b.id: round(EstimatedBoardLatency(b).graph_latency_ms(graph), 4) for b in latency_boards()}
