"""The graph view: a model's graph in a QGraphicsView, with search, minimap, badges and level of detail.

Why it stays smooth on thousands of nodes: the layout runs in a worker thread (the window keeps responding and
shows "Laying out N nodes..."), far-out zoom levels are drawn by a few overview tiles instead of thousands of
items, detailed items are created in small slices between events, and clicks are picked from arrays rather
than by item hit-testing. Run ``python -m studio.ui.graph.view [--dense N] [--dark]`` to try it on a synthetic
graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from PySide6.QtCore import QEventLoop, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGraphicsScene, QLabel, QVBoxLayout, QWidget

from studio.graph.ir import Graph
from studio.graph.layout import GraphLayout
from studio.ui.graph.canvas import GraphCanvas
from studio.ui.graph.layout_worker import LayoutWorker
from studio.ui.graph.minimap import MinimapWidget
from studio.ui.graph.none_refcount_guard import guard_none_refcount
from studio.ui.graph.scene_builder import OverviewData, build_details, build_overview, prepare_overview
from studio.ui.graph.scene_items import LayerItem, NodeItem, OutlineItem
from studio.ui.graph.scene_style import SceneStyle, palette_is_dark
from studio.ui.graph.search_bar import SearchBar

DETAIL_SCALE = 0.4  # below this zoom the overview tiles replace the node and edge items
FOCUS_SCALE = 0.8  # zoom used when selecting a node from outside while the graph is too small to read
BUILD_SLICE_S = 0.008  # time per event-loop turn spent creating detailed items
PICK_TOLERANCE_PX = 3.0
OVERLAY_MARGIN = 10

guard_none_refcount()  # before any painting: see the module's docstring


class GraphView(QWidget):
    """Shows one :class:`~studio.graph.ir.Graph`; see the module docstring.

    Signals: ``nodeSelected(name)`` when the user clicks a node or steps to a search match (never for
    :meth:`select_node`); ``layoutReady()`` once a graph given to :meth:`set_graph` is fully on screen.
    """

    nodeSelected = Signal(str)
    layoutReady = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._style = SceneStyle()
        # Two scenes, one per level of detail: the canvas shows one of them. Why not one scene with two parent
        # items: Qt culls a parent's children one by one (a Python boundingRect call each) on every frame, so
        # thousands of node items under one parent cost ~20 ms a frame even when few are on screen; top-level
        # items in a BSP-indexed scene are culled by the index.
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.overview_scene = QGraphicsScene(self)
        self.canvas = GraphCanvas(self.scene, self)
        self.canvas.setBackgroundBrush(self._style.background)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.canvas)
        self.placeholder = QLabel("No graph", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: palette(placeholder-text); font-size: 14px;")
        self.search_bar = SearchBar(self)
        self.minimap = MinimapWidget(self._style, self.canvas.visible_scene_rect, self)
        self._worker = LayoutWorker(self)
        self._build_timer = QTimer(self)
        self._build_timer.setInterval(0)

        self._generation = 0
        self._ready = False
        self._graph: Graph | None = None
        self._layout: GraphLayout | None = None
        self._builder: Iterator[None] | None = None
        self._node_items: dict[str, NodeItem] = {}
        self._marks: dict[str, str] = {}
        self._selected: str | None = None
        self._matches: list[str] = []
        self._match_index = -1
        self._names: list[str] = []
        self._boxes: Any = None  # numpy (n, 4) array of node boxes, built with the scene
        self._layers: tuple[LayerItem, LayerItem] | None = None
        self._selection_outline: _OutlinePair | None = None
        self._match_outline: _OutlinePair | None = None

        self._worker.finished.connect(self._on_layout_done)
        self._build_timer.timeout.connect(self._build_step)
        self.canvas.clicked.connect(self._on_click)
        self.canvas.viewChanged.connect(self._on_view_changed)
        self.minimap.navigateRequested.connect(self.canvas.centerOn)
        self.search_bar.textChanged.connect(self.find)
        self.search_bar.stepRequested.connect(self.step_match)
        self.search_bar.closeRequested.connect(self._close_search)
        self.search_bar.hide()
        self._place_overlays()

    # ------------------------------------------------------------------------------------------ graph
    def set_graph(self, graph: Graph, labels: Mapping[str, str] | None = None) -> None:
        """Show ``graph``; ``labels`` replaces the detail line of named nodes.

        Returns at once: the layout runs in a worker thread and ``layoutReady`` follows. A newer call
        supersedes a pending one.
        """
        self._generation += 1
        self._reset_scene()
        self._graph = graph
        self.placeholder.setText(f"Laying out {len(graph.nodes):,} nodes…")
        self.placeholder.show()
        self._worker.start(self._generation, graph, dict(labels) if labels else None, prepare_overview)

    def clear(self) -> None:
        """Show nothing (and drop any pending layout)."""
        self._generation += 1
        self._reset_scene()
        self.placeholder.setText("No graph")
        self.placeholder.show()

    def _reset_scene(self) -> None:
        self._ready = False
        self._build_timer.stop()
        self._builder = None
        self.scene.clear()
        self.overview_scene.clear()
        self._graph, self._layout, self._layers = None, None, None
        self._selection_outline = self._match_outline = None
        self._node_items = {}
        self._selected, self._matches, self._match_index = None, [], -1
        self._names, self._boxes = [], None
        self.minimap.set_graph(None, None)
        self.search_bar.hide()

    def _on_layout_done(self, generation: int, result: tuple[GraphLayout, OverviewData] | None, error: str) -> None:
        if generation != self._generation or self._graph is None:
            return  # superseded by a newer set_graph
        if result is None:
            self.placeholder.setText(f"Could not lay out the graph: {error}")
            self._ready = True
            self.layoutReady.emit()
            return
        graph = self._graph
        layout, overview_data = result
        self._layout = layout
        overview = LayerItem()  # a handful of tiles: one parent is cheap here
        self.overview_scene.addItem(overview)
        self._layers = (overview, overview)
        build_overview(overview_data, self._style, overview)
        self._selection_outline = _OutlinePair(self._style, True, (self.scene, self.overview_scene))
        self._match_outline = _OutlinePair(self._style, False, (self.scene, self.overview_scene))
        left, top, right, bottom = layout.bounds
        for scene in (self.scene, self.overview_scene):
            scene.setSceneRect(QRectF(left, top, right - left, bottom - top))
        self._show_scene_for(self.canvas.zoom)
        self._names = [n.name for n in graph.nodes]
        import numpy as np

        self._boxes = np.array(
            [
                (b.x - b.width / 2, b.y - b.height / 2, b.x + b.width / 2, b.y + b.height / 2)
                for b in (layout.nodes[name] for name in self._names)
            ],
            dtype=np.float64,
        ).reshape(-1, 4)
        self.placeholder.hide()
        self.minimap.set_graph(graph, layout)
        self.search_bar.show()
        self._place_overlays()
        self.fit()
        self._builder = build_details(graph, layout, self._style, self.scene, self._node_items, self._marks)
        self._build_timer.start()  # items are made between events, a few milliseconds at a time

    def _build_step(self) -> None:
        if self._builder is None:
            self._build_timer.stop()
            return
        deadline = time.perf_counter() + BUILD_SLICE_S
        for _ in self._builder:
            if time.perf_counter() > deadline:
                return
        self._builder = None
        self._build_timer.stop()
        self._ready = True
        self.fit()  # the view may have been resized (docks settling) while the items were being made
        self.layoutReady.emit()

    def is_ready(self) -> bool:
        """Whether the last graph given to :meth:`set_graph` is fully built."""
        return self._ready

    def wait_until_ready(self, timeout_ms: int = 10_000) -> bool:
        """Run the event loop until ``layoutReady`` (or the timeout); returns :meth:`is_ready`."""
        if self._ready:
            return True
        loop = QEventLoop()
        self.layoutReady.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        self.layoutReady.disconnect(loop.quit)
        return self._ready

    @property
    def layout_result(self) -> GraphLayout | None:
        """The layout of the graph on screen (``None`` while laying out)."""
        return self._layout

    def node_item(self, name: str) -> NodeItem | None:
        """The detailed item drawing node ``name`` (``None`` if unknown or not built yet)."""
        return self._node_items.get(name)

    # ------------------------------------------------------------------------------------------ navigation
    def fit(self) -> None:
        """Show the whole graph (never zooming a small graph beyond natural size), clear of the search box."""
        rect = self.scene.sceneRect()
        self.canvas.fit_rect(rect)
        if not self.search_bar.isHidden():  # not isVisible(): that is False until the view itself is shown
            # Leave the strip under the search box empty so it never hides the first layer.
            pad = (self.search_bar.height() + 2 * OVERLAY_MARGIN) / max(self.canvas.zoom, 1e-6)
            self.canvas.fit_rect(rect.adjusted(0, -pad, 0, 0))

    def zoom_in(self) -> None:
        """Zoom in one step around the view's centre."""
        self.canvas.zoom_by(1.25)

    def zoom_out(self) -> None:
        """Zoom out one step around the view's centre."""
        self.canvas.zoom_by(0.8)

    def pan_by(self, dx: int, dy: int) -> None:
        """Scroll by ``(dx, dy)`` pixels."""
        self.canvas.pan_by(dx, dy)

    def _on_view_changed(self, scale: float) -> None:
        if self._layers is not None:
            self._show_scene_for(scale)
        self.minimap.update()

    def _show_scene_for(self, scale: float) -> None:
        """Put the detail scene or the overview scene in the canvas, keeping the same place in view."""
        target = self.scene if scale >= DETAIL_SCALE else self.overview_scene
        if self.canvas.scene() is not target:
            centre = self.canvas.mapToScene(self.canvas.viewport().rect().center())
            self.canvas.setScene(target)
            self.canvas.centerOn(centre)

    # ------------------------------------------------------------------------------------------ selection
    def pick(self, point: QPointF) -> str | None:
        """The node under a scene point (with a few pixels' tolerance when zoomed far out), or ``None``."""
        if self._boxes is None or not len(self._boxes):
            return None
        import numpy as np

        tol = PICK_TOLERANCE_PX / max(self.canvas.zoom, 1e-6)
        x, y = point.x(), point.y()
        b = self._boxes
        dx = np.maximum(np.maximum(b[:, 0] - x, x - b[:, 2]), 0.0)
        dy = np.maximum(np.maximum(b[:, 1] - y, y - b[:, 3]), 0.0)
        dist = dx + dy
        best = int(np.argmin(dist))
        return self._names[best] if dist[best] <= tol else None

    def _on_click(self, point: QPointF) -> None:
        name = self.pick(point)
        if name is not None:
            self._highlight(name)
            self.nodeSelected.emit(name)

    def select_node(self, name: str) -> None:
        """Highlight ``name`` and centre it (zooming in if the graph is too small to read); does not emit
        ``nodeSelected``. Unknown names are ignored."""
        if self._layout is None or name not in self._layout.nodes:
            return
        self._highlight(name)
        if self.canvas.zoom < DETAIL_SCALE:
            self.canvas.zoom_by(FOCUS_SCALE / self.canvas.zoom)
        box = self._layout.nodes[name]
        self.canvas.centerOn(box.x, box.y)

    def selected_node(self) -> str | None:
        """The highlighted node's name."""
        return self._selected

    def _node_rect(self, name: str) -> QRectF:
        box = self._layout.nodes[name]  # type: ignore[union-attr]
        return QRectF(*box.rect)

    def _highlight(self, name: str) -> None:
        self._selected = name
        if self._selection_outline is not None:
            self._selection_outline.set_rects([self._node_rect(name)])

    # ------------------------------------------------------------------------------------------ search
    def find(self, text: str) -> list[str]:
        """Names of the nodes whose name, op or module contains ``text`` (case-insensitive), in graph order.

        The matches are outlined; :meth:`step_match` (Enter in the search box) visits them one by one.
        """
        needle = text.strip().lower()
        graph = self._graph
        if not needle or graph is None or self._layout is None:
            self._matches, self._match_index = [], -1
        else:
            self._matches = [
                n.name
                for n in graph.nodes
                if needle in n.name.lower() or needle in n.op.lower() or needle in (n.module or "").lower()
            ]
            self._match_index = -1
        if self._match_outline is not None and self._layout is not None:
            self._match_outline.set_rects([self._node_rect(n) for n in self._matches])
        if self.search_bar.field.text() != text:
            self.search_bar.field.blockSignals(True)
            self.search_bar.field.setText(text)
            self.search_bar.field.blockSignals(False)
        self.search_bar.show_count(self._match_index, len(self._matches), bool(needle))
        return list(self._matches)

    def step_match(self, delta: int = 1) -> str | None:
        """Select and centre the next (``delta=1``) or previous match, emitting ``nodeSelected``."""
        if not self._matches:
            return None
        self._match_index = (self._match_index + delta) % len(self._matches)
        name = self._matches[self._match_index]
        self.select_node(name)
        self.search_bar.show_count(self._match_index, len(self._matches), True)
        self.nodeSelected.emit(name)
        return name

    def focus_search(self) -> None:
        """Put the keyboard focus in the search box (Edit > Find)."""
        self.search_bar.show()
        self.search_bar.raise_()
        self.search_bar.field.setFocus()
        self.search_bar.field.selectAll()

    def _close_search(self) -> None:
        self.search_bar.field.clear()
        self.canvas.setFocus()

    # ------------------------------------------------------------------------------------------ decoration
    def set_marks(self, marks: Mapping[str, str]) -> None:
        """Show a badge with ``marks[name]`` (e.g. ``"-50%"``) on each named node; others lose theirs."""
        self._marks.clear()
        self._marks.update(marks)
        for name, item in self._node_items.items():
            item.set_mark(self._marks.get(name, ""))

    def refresh_theme(self) -> None:
        """Follow the application palette after a light/dark switch."""
        self._style.apply(palette_is_dark())
        self.canvas.setBackgroundBrush(self._style.background)
        self.canvas.resetCachedContent()
        self.scene.update()
        self.overview_scene.update()
        self.minimap.refresh()

    # ------------------------------------------------------------------------------------------ overlays
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        w, h = self.width(), self.height()
        self.placeholder.setGeometry(0, 0, w, h)
        bar = self.search_bar.sizeHint()
        self.search_bar.setGeometry(max(0, w - bar.width() - OVERLAY_MARGIN), OVERLAY_MARGIN, bar.width(), bar.height())
        mini = self.minimap.size()
        self.minimap.move(max(0, w - mini.width() - OVERLAY_MARGIN), max(0, h - mini.height() - OVERLAY_MARGIN))
        self.search_bar.raise_()
        self.minimap.raise_()


def main(argv: list[str] | None = None) -> int:
    """Open the view on a synthetic residual graph (``--dense N`` for a DenseNet-like one, ``--dark``)."""
    import argparse
    import sys

    from PySide6.QtWidgets import QApplication

    from studio.ui.graph.sample_graphs import dense_graph, residual_graph
    from studio.ui.theme import apply_theme

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--dense", type=int, default=0, help="nodes of a DenseNet-like graph instead")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--screenshot", help="save a PNG of the view once laid out, then quit")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "dark" if args.dark else "light")  # type: ignore[arg-type]
    view = GraphView()
    view.resize(1200, 800)
    view.setWindowTitle("Graph view")
    view.nodeSelected.connect(lambda name: print("selected", name))
    view.show()
    view.set_graph(dense_graph(args.dense) if args.dense else residual_graph(8))
    if args.screenshot:
        view.wait_until_ready()
        view.grab().save(args.screenshot)
        return 0
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())


class _OutlinePair:
    """The same outline in both scenes, so it shows whichever level of detail is on screen."""

    def __init__(self, style: SceneStyle, selection: bool, scenes: tuple[QGraphicsScene, QGraphicsScene]) -> None:
        self.items = [OutlineItem(style, selection=selection) for _ in scenes]
        for item, scene in zip(self.items, scenes, strict=True):
            scene.addItem(item)

    def set_rects(self, rects: list[QRectF]) -> None:
        for item in self.items:
            item.set_rects(rects)
