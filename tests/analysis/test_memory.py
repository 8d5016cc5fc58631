"""Peak activation memory in execution order, on hand-built graphs whose answer is worked out by hand."""

from __future__ import annotations

from studio.analysis.memory import activation_timeline
from studio.graph.ir import Graph, Node, TensorInfo


def _t(name: str, channels: int, hw: int = 1) -> TensorInfo:
    return TensorInfo(name, (1, channels, hw, hw), "float32")  # bytes = channels * hw * hw * 4


def test_chain() -> None:
    # x(100 B) -A-> a(200 B) -B-> b(50 B). Step A: x + a = 300; step B: a + b = 250 (x is dead after A).
    graph = Graph(
        "chain",
        [Node("A", "Relu", ["x"], ["a"]), Node("B", "Relu", ["a"], ["b"])],
        {"x": _t("x", 25), "a": _t("a", 50), "b": _t("b", 12)},
        ["x"],
        ["b"],
    )
    timeline = activation_timeline(graph)
    assert [s.live_bytes for s in timeline.steps] == [100 + 200, 200 + 48]
    assert timeline.peak_bytes == 300 and timeline.peak_node == "A"
    assert timeline.steps[1].live_tensors == ("a", "b")


def test_residual_block_keeps_the_skip_alive() -> None:
    # x(40) -C1-> h(80) -C2-> y(40); Add(y, x) -> z(40). x lives until Add (step 2).
    # C1: x + h = 120; C2: x + h + y = 160; Add: x + y + z = 120.
    graph = Graph(
        "res",
        [
            Node("C1", "Conv", ["x"], ["h"]),
            Node("C2", "Conv", ["h"], ["y"]),
            Node("Add", "Add", ["y", "x"], ["z"]),
        ],
        {"x": _t("x", 10), "h": _t("h", 20), "y": _t("y", 10), "z": _t("z", 10)},
        ["x"],
        ["z"],
    )
    timeline = activation_timeline(graph)
    assert [s.live_bytes for s in timeline.steps] == [120, 160, 120]
    assert timeline.peak_bytes == 160 and timeline.peak_node == "C2"


def test_concat_holds_both_branches_and_output_lives_to_the_end() -> None:
    # x(16) -> P(8) and Q(24) from x; Cat(p, q) -> c(32); R(c) -> r(4); c is also a graph output.
    # P: x + p = 24; Q: x + p + q = 48; Cat: p + q + c = 64; R: c + r = 36 (c stays: graph output).
    graph = Graph(
        "cat",
        [
            Node("P", "Conv", ["x"], ["p"]),
            Node("Q", "Conv", ["x"], ["q"]),
            Node("Cat", "Concat", ["p", "q"], ["c"]),
            Node("R", "Relu", ["c"], ["r"]),
        ],
        {"x": _t("x", 4), "p": _t("p", 2), "q": _t("q", 6), "c": _t("c", 8), "r": _t("r", 1)},
        ["x"],
        ["c", "r"],
    )
    timeline = activation_timeline(graph)
    assert [s.live_bytes for s in timeline.steps] == [24, 48, 64, 36]
    assert timeline.peak_node == "Cat"


def test_unknown_shapes_count_zero_and_batch_is_left_out() -> None:
    graph = Graph(
        "b",
        [Node("A", "Relu", ["x"], ["a"])],
        {"x": TensorInfo("x", ("N", 3, 2, 2)), "a": TensorInfo("a", None)},
        ["x"],
        ["a"],
    )
    assert activation_timeline(graph).peak_bytes == 3 * 2 * 2 * 4
