"""Per-layer latency: torch hooks, the fx interpreter for exported programs, and onnxruntime's profiler."""

from __future__ import annotations

import io
import warnings

import torch

from studio.analysis.latency import TOTAL_KEY, measure_layer_latency
from studio.formats.base import LoadedModel
from studio.formats.torch_graph import graph_from_exported_program, graph_from_module
from tests.analysis.small_nets import ResidualConcatNet, SmallConvNet, small_input


class RecordingContext:
    """A real, minimal JobContext: records progress calls and never cancels."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []
        self.cancelled = False

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))

    def log(self, message: str) -> None:
        pass

    def check_cancelled(self) -> None:
        pass


def _conv_names(graph: object) -> list[str]:
    return [n.name for n in graph.nodes if n.op == "Conv"]  # type: ignore[attr-defined]


def test_torch_module_hooks_time_conv_layers() -> None:
    module = ResidualConcatNet().eval()
    graph = graph_from_module(module, small_input(), "res")
    ctx = RecordingContext()
    result = measure_layer_latency(LoadedModel(None, "torch", graph, (1, 3, 8, 8), module), repeats=3, ctx=ctx)
    for name in _conv_names(graph):
        assert result[name] > 0
    assert {"relu", "relu_1", "relu_2"} <= set(result)  # a shared module's calls map to its nodes in order
    assert result[TOTAL_KEY] > 0
    assert "add" not in result  # no leaf module runs the residual add: no measurement, no entry
    assert ctx.calls[-1][0] == ctx.calls[-1][1]


def test_exported_graph_module_uses_the_interpreter() -> None:
    program = torch.export.export(SmallConvNet().eval(), (small_input(),), strict=False)
    graph = graph_from_exported_program(program, "small")
    model = LoadedModel(None, "pt2", graph, (1, 3, 8, 8), program.module())
    result = measure_layer_latency(model, repeats=2)
    assert set(result) == {n.name for n in graph.nodes} | {TOTAL_KEY}
    assert all(v > 0 for v in result.values())


def test_onnx_profiler_times_conv_nodes() -> None:
    from studio.formats.onnx_reader import open_onnx_bytes

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(SmallConvNet().eval(), (small_input(),), buffer, dynamo=False, input_names=["x"])
    model = open_onnx_bytes(buffer.getvalue(), "small")
    result = measure_layer_latency(model, repeats=3)
    convs = _conv_names(model.graph)
    assert convs and all(result[name] > 0 for name in convs)
    assert result[TOTAL_KEY] > 0
    assert set(result) <= {n.name for n in model.graph.nodes} | {TOTAL_KEY}
