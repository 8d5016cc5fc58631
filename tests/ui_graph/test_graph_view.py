"""The graph view through its public API and signals, on synthetic graphs, with real Qt rendering
(offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage

from studio.ui.graph.sample_graphs import chain_graph, dense_graph, residual_graph
from studio.ui.graph.scene_items import NodeItem
from studio.ui.graph.view import GraphView

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot) -> GraphView:
    widget = GraphView()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    return widget


def _show(qtbot, view: GraphView, graph) -> None:
    with qtbot.waitSignal(view.layoutReady, timeout=10_000):
        view.set_graph(graph)


def test_set_graph_builds_one_item_per_node(qtbot, view: GraphView) -> None:
    graph = residual_graph(4)
    view.set_graph(graph)
    assert not view.is_ready()  # the layout runs in a worker thread: set_graph returned at once
    assert view.placeholder.isVisible() and "Laying out" in view.placeholder.text()
    assert view.wait_until_ready(10_000)
    items = [i for i in view.scene.items() if isinstance(i, NodeItem)]
    assert sorted(i.name for i in items) == sorted(n.name for n in graph.nodes)
    assert not view.placeholder.isVisible()


def test_a_newer_graph_supersedes_a_pending_one(qtbot, view: GraphView) -> None:
    view.set_graph(residual_graph(8))
    with qtbot.waitSignal(view.layoutReady, timeout=10_000):
        view.set_graph(chain_graph(5))
    qtbot.wait(50)  # let the first layout's result arrive too: it must be ignored
    names = {i.name for i in view.scene.items() if isinstance(i, NodeItem)}
    assert names == {f"act{i}" for i in range(5)}


def test_clicking_a_node_emits_its_name(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(2))
    name = "layer0.conv2"
    view.select_node(name)  # centres it
    item = view.node_item(name)
    assert item is not None
    at = view.canvas.mapFromScene(item.scenePos())
    with qtbot.waitSignal(view.nodeSelected, timeout=2000) as blocker:
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert blocker.args == [name]
    assert view.selected_node() == name


def test_clicking_empty_space_emits_nothing(qtbot, view: GraphView) -> None:
    _show(qtbot, view, chain_graph(3))
    with qtbot.assertNotEmitted(view.nodeSelected):
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def test_select_node_highlights_and_centres_without_emitting(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(8))
    view.zoom_in()
    view.zoom_in()
    with qtbot.assertNotEmitted(view.nodeSelected):
        view.select_node("layer4.conv1")
    assert view.selected_node() == "layer4.conv1"
    box = view.layout_result.nodes["layer4.conv1"]
    centre = view.canvas.visible_scene_rect().center()
    assert abs(centre.y() - box.y) < 60
    view.select_node("no such node")  # ignored
    assert view.selected_node() == "layer4.conv1"


def test_find_matches_name_op_and_module_case_insensitively(qtbot, view: GraphView) -> None:
    graph = residual_graph(4)
    _show(qtbot, view, graph)
    convs = [n.name for n in graph.nodes if n.op == "Conv"]
    assert view.find("CONV") == convs
    assert view.search_bar.count_label.text() == f"{len(convs)} matches"
    assert view.find("layer1.bn") == ["layer1.bn1", "layer1.bn2"]
    assert view.find("gemm") == ["head.fc"]
    assert view.find("nothing like this") == []
    assert view.search_bar.count_label.text() == "no match"


def test_enter_cycles_through_matches(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(4))
    view.focus_search()
    qtbot.keyClicks(view.search_bar.field, "layer1.bn")
    with qtbot.waitSignal(view.nodeSelected) as first:
        qtbot.keyClick(view.search_bar.field, Qt.Key.Key_Return)
    assert first.args == ["layer1.bn1"] and view.search_bar.count_label.text() == "1 of 2"
    with qtbot.waitSignal(view.nodeSelected) as second:
        qtbot.keyClick(view.search_bar.field, Qt.Key.Key_Return)
    assert second.args == ["layer1.bn2"] and view.search_bar.count_label.text() == "2 of 2"
    qtbot.keyClick(view.search_bar.field, Qt.Key.Key_Return)
    assert view.selected_node() == "layer1.bn1"


def test_zoom_changes_the_transform_and_fit_shows_everything(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(8))
    fitted = view.canvas.zoom
    view.zoom_in()
    assert view.canvas.zoom == pytest.approx(fitted * 1.25)
    view.zoom_out()
    view.zoom_out()
    assert view.canvas.zoom < fitted
    view.fit()
    visible = view.canvas.visible_scene_rect()
    bounds = view.scene.itemsBoundingRect()
    assert visible.adjusted(-1, -1, 1, 1).contains(bounds)


def test_far_zoom_switches_to_the_overview(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(8))
    item = view.node_item("head.fc")
    view.canvas.zoom_by(1.0 / view.canvas.zoom)  # 1:1
    assert item.isVisible() and view.canvas.scene() is item.scene()
    view.canvas.zoom_by(0.1 / view.canvas.zoom)
    assert view.canvas.scene() is view.overview_scene  # the overview tiles draw the graph now
    # a click still picks the node under the cursor
    box = view.layout_result.nodes["head.fc"]
    assert view.pick(QPointF(box.x, box.y)) == "head.fc"


def test_switching_detail_keeps_the_same_place_in_view(qtbot, view: GraphView) -> None:
    _show(qtbot, view, dense_graph(600))
    view.canvas.zoom_by(1.0 / view.canvas.zoom)
    boxes = list(view.layout_result.nodes.values())
    middle = boxes[len(boxes) // 2]
    view.canvas.centerOn(QPointF(middle.x, middle.y))
    centre = view.canvas.mapToScene(view.canvas.viewport().rect().center())
    view.canvas.zoom_by(0.35 / view.canvas.zoom)  # just below the detail level, graph still larger than the view
    assert view.canvas.scene() is view.overview_scene
    after = view.canvas.mapToScene(view.canvas.viewport().rect().center())
    assert abs(after.y() - centre.y()) < 60


def test_marks_show_badges(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(2))
    view.set_marks({"layer0.conv1": "-50%"})
    assert view.node_item("layer0.conv1").mark == "-50%"
    view.set_marks({})
    assert view.node_item("layer0.conv1").mark == ""


def test_grab_of_a_small_graph_renders(qtbot, view: GraphView, tmp_path: Path) -> None:
    _show(qtbot, view, residual_graph(2))
    path = tmp_path / "graph.png"
    assert view.grab().save(str(path))
    assert path.stat().st_size > 1000
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 10  # node colours, text and edges, not a blank canvas


def test_theme_refresh_changes_the_background(qtbot, view: GraphView) -> None:
    _show(qtbot, view, chain_graph(3))
    view._style.apply(dark=True)  # as refresh_theme does after a dark palette
    dark = view._style.background.lightnessF()
    view._style.apply(dark=False)
    assert view._style.background.lightnessF() > dark


def test_thousands_of_void_qt_calls_do_not_exhaust_none() -> None:
    """PySide6 6.12 + Python 3.11 drop a reference to None per void call: the guard must prevent a crash."""
    import sys

    from PySide6.QtGui import QPainterPath

    import studio.ui.graph.view  # noqa: F401  (applies the guard)

    path = QPainterPath()
    for _ in range(50_000):
        path.moveTo(1.0, 2.0)
    assert sys.getrefcount(None) > 1000


def test_minimap_click_maps_back_to_the_scene(qtbot, view: GraphView) -> None:
    _show(qtbot, view, residual_graph(8))
    assert view.minimap.isVisible()
    box = view.layout_result.nodes["layer4.add"]
    rect = view.minimap._to_widget(QRectF(*box.rect))
    back = view.minimap.to_scene(rect.center())
    assert abs(back.x() - box.x) < 1 and abs(back.y() - box.y) < 1
    with qtbot.waitSignal(view.minimap.navigateRequested):
        qtbot.mouseClick(view.minimap, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
