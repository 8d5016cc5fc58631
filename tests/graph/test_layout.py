"""The layered layout: geometry invariants on synthetic chains, residual nets and dense blocks."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from studio.graph.ir import Graph, Node, TensorInfo
from studio.graph.layout import GraphLayout, layout_graph, node_title
from studio.ui.graph.sample_graphs import chain_graph, dense_graph, residual_graph


def _assert_no_overlap_within_layers(layout: GraphLayout) -> None:
    by_layer: dict[int, list] = {}
    for box in layout.nodes.values():
        by_layer.setdefault(box.layer, []).append(box)
    for boxes in by_layer.values():
        boxes.sort(key=lambda b: b.x)
        for left, right in itertools.pairwise(boxes):
            assert left.x + left.width / 2 < right.x - right.width / 2, (left, right)
        assert len({b.y for b in boxes}) == 1


def _assert_edges_go_down(graph: Graph, layout: GraphLayout) -> None:
    assert set(layout.edges) == set(graph.edges())
    for (src, dst, _t), points in layout.edges.items():
        a, b = layout.nodes[src], layout.nodes[dst]
        assert b.layer > a.layer
        ys = [y for _x, y in points]
        assert all(y1 < y2 for y1, y2 in itertools.pairwise(ys)), points
        assert ys[0] == pytest.approx(a.y + a.height / 2)
        assert ys[-1] == pytest.approx(b.y - b.height / 2)
        assert a.x - a.width / 2 <= points[0][0] <= a.x + a.width / 2
        assert b.x - b.width / 2 <= points[-1][0] <= b.x + b.width / 2


def test_a_chain_of_100_nodes_is_one_straight_vertical_line() -> None:
    graph = chain_graph(100)
    layout = layout_graph(graph)
    xs = {round(box.x, 6) for box in layout.nodes.values()}
    assert len(xs) == 1
    ys = [layout.nodes[n.name].y for n in graph.nodes]
    assert ys == sorted(ys) and len(set(ys)) == 100
    for points in layout.edges.values():
        assert {round(x, 6) for x, _y in points} == xs


@pytest.mark.parametrize("graph", [residual_graph(4), residual_graph(8), dense_graph(300)], ids=lambda g: g.name)
def test_edges_point_down_and_nodes_do_not_overlap(graph: Graph) -> None:
    layout = layout_graph(graph)
    assert set(layout.nodes) == {n.name for n in graph.nodes}
    _assert_no_overlap_within_layers(layout)
    _assert_edges_go_down(graph, layout)
    left, top, right, bottom = layout.bounds
    for box in layout.nodes.values():
        bl, bt, bw, bh = box.rect
        assert left <= bl and bl + bw <= right and top <= bt and bt + bh <= bottom


def test_long_edges_route_around_nodes() -> None:
    graph = dense_graph(300)
    layout = layout_graph(graph)
    boxes = np.array([box.rect for box in layout.nodes.values()])
    for points in layout.edges.values():
        for x, y in points[1:-1]:  # the dummies' points: never inside a node box
            inside = (
                (boxes[:, 0] < x)
                & (x < boxes[:, 0] + boxes[:, 2])
                & (boxes[:, 1] < y)
                & (y < boxes[:, 1] + boxes[:, 3])
            )
            assert not inside.any(), (x, y)


def test_residual_main_path_stays_straight() -> None:
    layout = layout_graph(residual_graph(4))
    main = ["layer0.conv1", "layer0.bn1", "layer0.relu1", "layer0.conv2", "layer0.bn2"]
    assert len({round(layout.nodes[n].x, 3) for n in main}) == 1


def test_layout_is_deterministic() -> None:
    graph = dense_graph(200)
    first, second = layout_graph(graph), layout_graph(graph)
    assert first.nodes == second.nodes and first.edges == second.edges


def test_titles_carry_the_key_attribute() -> None:
    w = np.zeros((16, 3, 3, 3), dtype=np.float32)
    conv = Node("c", "Conv", ["x"], ["y"], {"kernel_shape": [3, 3], "strides": [2, 2]}, {"weight": w})
    gemm = Node("g", "Gemm", ["x"], ["y"], {}, {"weight": np.zeros((10, 128), dtype=np.float32)})
    assert node_title(conv) == "Conv 3x3/2"
    assert node_title(gemm) == "Gemm 128→10"
    assert node_title(Node("b", "BatchNormalization")) == "BatchNorm"


def test_labels_replace_the_detail_line_and_widen_the_box() -> None:
    graph = chain_graph(3)
    long = "a much longer label for this node"
    layout = layout_graph(graph, labels={"act1": long})
    assert layout.nodes["act1"].detail == long
    assert layout.nodes["act1"].width > layout.nodes["act0"].width


def test_empty_and_disconnected_graphs() -> None:
    assert layout_graph(Graph("empty", [], {}, [], [])).nodes == {}
    nodes = [Node("a", "Relu", ["x"], ["a"]), Node("b", "Relu", ["x"], ["b"])]
    layout = layout_graph(Graph("two", nodes, {"x": TensorInfo("x")}, ["x"], ["a", "b"]))
    _assert_no_overlap_within_layers(layout)
    assert layout.edges == {}


def test_2000_node_dense_graph_lays_out_quickly() -> None:
    graph = dense_graph(2000)
    assert len(graph.nodes) >= 1900
    t0 = time.perf_counter()
    layout = layout_graph(graph)
    elapsed = time.perf_counter() - t0
    print(f"layout of {len(graph.nodes)} nodes, {len(graph.edges())} edges: {elapsed:.3f} s")
    assert elapsed < 10.0  # sanity bound only: the shared CPU makes tight timing flaky
    assert len(layout.nodes) == len(graph.nodes)
    _assert_no_overlap_within_layers(layout)
