"""Per-layer latency measured on this CPU, keyed by IR node name, plus the whole model's ``__total__``.

How each kind of model is timed, and why:

* torch module: forward pre/post hooks on the leaf modules the IR names in ``Node.module`` (a leaf called
  several times, like ResNet's shared ReLU, maps call k to its k-th IR node). Ops outside any leaf module
  (a residual ``add``) have no hook and no entry.
* ``torch.fx.GraphModule`` from ``ExportedProgram.module()``: hooks never fire (there are no leaf calls), so
  an fx ``Interpreter`` times every node and ``Graph.metadata["fx_nodes"]`` maps fx names to IR names.
* ONNX: onnxruntime's own profiler (``SessionOptions.enable_profiling``) with graph optimisations off, so each
  kernel event is one IR node; its ``dur`` (microseconds) is read from the JSON trace.

Every figure is the median over ``repeats`` runs after warm-up runs; ``__total__`` is the median of
whole-model runs without instrumentation. Nodes with no measurement are absent from the result.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel

TOTAL_KEY = "__total__"
_WARMUP = 3


def measure_layer_latency(model: LoadedModel, *, repeats: int = 20, ctx: JobContext | None = None) -> dict[str, float]:
    """Milliseconds per IR node name and ``"__total__"`` for the whole model (batch of one).

    Raises :class:`StudioError` when the model's input shape is unknown or nothing can run it;
    ``JobCancelled`` (from ``ctx.check_cancelled``) when the job is cancelled.
    """
    repeats = max(1, int(repeats))
    x = _example_input(model)
    if model.module is not None:
        import torch

        if isinstance(model.module, torch.fx.GraphModule) and model.graph.metadata.get("fx_nodes"):
            return _measure_fx(model, x, repeats, ctx)
        return _measure_torch_hooks(model, x, repeats, ctx)
    return _measure_onnx(model, x, repeats, ctx)


def _example_input(model: LoadedModel) -> np.ndarray:
    shape = model.input_shape
    if shape is None and model.graph.inputs:
        shape = model.graph.tensor(model.graph.inputs[0]).known_shape
    if shape is None:
        raise StudioError(f"{model.display_name}: input shape unknown; give input_shape to measure latency")
    return np.random.default_rng(0).standard_normal((1, *tuple(shape)[1:])).astype(np.float32)


def _report(ctx: JobContext | None, done: int, total: int, message: str) -> None:
    if ctx is None:
        return
    ctx.check_cancelled()
    ctx.progress(done, total, message)


def _median_ms(samples_ns: list[int]) -> float:
    return float(statistics.median(samples_ns)) / 1e6


def _time_whole(run: Any, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        run()
        samples.append(time.perf_counter_ns() - start)
    return _median_ms(samples)


# ---------------------------------------------------------------------------------------------- torch
def _measure_torch_hooks(model: LoadedModel, x: np.ndarray, repeats: int, ctx: JobContext | None) -> dict[str, float]:
    import torch

    module = model.module
    nodes_of: dict[str, list[str]] = defaultdict(list)
    for node in model.graph.nodes:
        if node.module:
            nodes_of[node.module].append(node.name)
    calls: dict[str, list[int]] = defaultdict(list)  # module path -> durations of this run's calls, in order
    started: dict[str, list[int]] = defaultdict(list)
    handles = []

    def pre_hook(path: str) -> Any:
        def hook(_module: Any, _args: Any) -> None:
            started[path].append(time.perf_counter_ns())

        return hook

    def post_hook(path: str) -> Any:
        def hook(_module: Any, _args: Any, _out: Any) -> None:
            calls[path].append(time.perf_counter_ns() - started[path].pop())

        return hook

    for path, sub in module.named_modules():
        if path in nodes_of and not any(True for _ in sub.children()):
            handles.append(sub.register_forward_pre_hook(pre_hook(path)))
            handles.append(sub.register_forward_hook(post_hook(path)))
    batch = torch.from_numpy(x)
    per_call: dict[tuple[str, int], list[int]] = defaultdict(list)
    call_counts: dict[str, int] = {}
    try:
        with torch.no_grad():
            for _ in range(_WARMUP):
                module(batch)
            for i in range(repeats):
                calls.clear()
                module(batch)
                for path, durations in calls.items():
                    call_counts[path] = len(durations)
                    for k, d in enumerate(durations):
                        per_call[(path, k)].append(d)
                _report(ctx, i + 1, repeats + 1, "timing layers")
    finally:
        for handle in handles:
            handle.remove()
    result: dict[str, float] = {}
    for path, count in call_counts.items():
        medians = [_median_ms(per_call[(path, k)]) for k in range(count)]
        names = nodes_of[path]
        if count == len(names):
            result.update(zip(names, medians, strict=True))
        else:  # one call spans several IR nodes (a decomposed op): charge its first node
            result[names[0]] = sum(medians)
    with torch.no_grad():
        result[TOTAL_KEY] = _time_whole(lambda: module(batch), repeats)
    _report(ctx, repeats + 1, repeats + 1, "done")
    return result


def _measure_fx(model: LoadedModel, x: np.ndarray, repeats: int, ctx: JobContext | None) -> dict[str, float]:
    import torch

    gm = model.module
    fx_to_ir: dict[str, str] = model.graph.metadata["fx_nodes"]
    samples: dict[str, list[int]] = defaultdict(list)

    class TimingInterpreter(torch.fx.Interpreter):
        """Adds each fx node's time to the IR node it became (pass-through nodes to their producer)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.run_ns: dict[str, int] = defaultdict(int)

        def run_node(self, n: Any) -> Any:
            start = time.perf_counter_ns()
            out = super().run_node(n)
            ir = fx_to_ir.get(n.name)
            if ir:
                self.run_ns[ir] += time.perf_counter_ns() - start
            return out

    batch = torch.from_numpy(x)
    with torch.no_grad():
        for _ in range(_WARMUP):
            gm(batch)
        for i in range(repeats):
            interpreter = TimingInterpreter(gm)
            # GraphModules from ExportedProgram.module() flatten inputs through their in_spec.
            interpreter.run(*_flat_inputs(gm, batch))
            for name, ns in interpreter.run_ns.items():
                samples[name].append(ns)
            _report(ctx, i + 1, repeats + 1, "timing layers")
        result = {name: _median_ms(ns) for name, ns in samples.items()}
        result[TOTAL_KEY] = _time_whole(lambda: gm(batch), repeats)
    _report(ctx, repeats + 1, repeats + 1, "done")
    return result


def _flat_inputs(gm: Any, batch: Any) -> list[Any]:
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    return [batch] if len(placeholders) == 1 else [batch, *[None] * (len(placeholders) - 1)]


# ---------------------------------------------------------------------------------------------- ONNX
def _measure_onnx(model: LoadedModel, x: np.ndarray, repeats: int, ctx: JobContext | None) -> dict[str, float]:
    import onnxruntime as ort

    from studio.runtime.executor import onnx_session

    with tempfile.TemporaryDirectory(prefix="studio-ort-profile-") as tmp:
        options = ort.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp) / "profile")
        # Fusion would merge nodes under new names; without it each kernel event is one IR node.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = onnx_session(model, options)
        feed = {session.get_inputs()[0].name: x}
        for _ in range(_WARMUP):
            session.run(None, feed)
        run_count = _WARMUP
        whole = []
        for i in range(repeats):
            start = time.perf_counter_ns()
            session.run(None, feed)
            whole.append(time.perf_counter_ns() - start)
            run_count += 1
            _report(ctx, i + 1, repeats + 1, "timing layers")
        trace = Path(session.end_profiling())
        events = json.loads(trace.read_text())
    result = _onnx_node_medians(events, model, skip_runs=_WARMUP, runs=run_count)
    result[TOTAL_KEY] = _median_ms(whole)
    _report(ctx, repeats + 1, repeats + 1, "done")
    return result


def _onnx_node_medians(
    events: list[dict[str, Any]], model: LoadedModel, *, skip_runs: int, runs: int
) -> dict[str, float]:
    """Median kernel time per IR node from an onnxruntime trace, leaving out the warm-up runs."""
    names = {node.name for node in model.graph.nodes}
    per_node: dict[str, list[float]] = defaultdict(list)
    for event in events:
        if event.get("cat") != "Node" or not str(event.get("name", "")).endswith("_kernel_time"):
            continue
        raw = str(event["name"])[: -len("_kernel_time")]
        args = event.get("args", {})
        name = raw if raw in names else f"{args.get('op_name', '')}_{args.get('node_index', '')}"
        if name in names:
            per_node[name].append(float(event.get("dur", 0)))
    result = {}
    for name, durations in per_node.items():
        # The trace lists every run in order: drop the warm-up runs' events when they are all there.
        kept = durations[skip_runs:] if len(durations) == runs else durations
        result[name] = float(statistics.median(kept)) / 1000.0
    return result
