"""A small overview of the whole graph in a corner of the view, with the visible area; click or drag there.

Why a cached picture: the minimap repaints on every pan step, so the graph is drawn once into a pixmap (one
rectangle per node) and each repaint only blits it and draws the visible-area frame.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from studio.graph.ir import Graph
from studio.graph.layout import GraphLayout
from studio.ui.graph.node_colors import op_kind
from studio.ui.graph.scene_style import SceneStyle

MINIMAP_MAX = (180, 220)
PADDING = 6


class MinimapWidget(QWidget):
    """Draws the graph scaled into the widget; emits ``navigateRequested(scene point)`` on click and drag."""

    navigateRequested = Signal(QPointF)

    def __init__(self, style: SceneStyle, visible_rect: Callable[[], QRectF], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._style = style
        self._visible_rect = visible_rect
        self._scene = QRectF()
        self._pixmap: QPixmap | None = None
        self._graph: tuple[Graph, GraphLayout] | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self.hide()

    def set_graph(self, graph: Graph | None, layout: GraphLayout | None) -> None:
        """Show ``graph`` laid out as ``layout`` (``None`` hides the minimap)."""
        self._graph = (graph, layout) if graph is not None and layout is not None else None
        if self._graph is None:
            self.hide()
            return
        left, top, right, bottom = layout.bounds  # type: ignore[union-attr]
        self._scene = QRectF(left, top, right - left, bottom - top)
        aspect = self._scene.width() / max(1.0, self._scene.height())
        max_w, max_h = MINIMAP_MAX
        w = max_w if aspect >= max_w / max_h else max(48, int(max_h * aspect))
        h = max_h if aspect < max_w / max_h else max(48, int(max_w / aspect))
        self.resize(w + 2 * PADDING, h + 2 * PADDING)
        self.refresh()
        self.show()

    def refresh(self) -> None:
        """Redraw the cached picture (after a theme change or a resize)."""
        if self._graph is None:
            return
        graph, layout = self._graph
        pixmap = QPixmap(self.size())
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        bg = QColor(self._style.background)
        bg.setAlpha(235)
        painter.setPen(QPen(self._style.muted, 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        scale = self._scale()
        origin = self._origin()
        painter.translate(origin.x() - self._scene.x() * scale, origin.y() - self._scene.y() * scale)
        painter.scale(scale, scale)
        by_kind: dict[str, list[QRectF]] = {}
        for node in graph.nodes:
            by_kind.setdefault(op_kind(node.op), []).append(QRectF(*layout.nodes[node.name].rect))
        for kind, rects in by_kind.items():
            brush = self._style.overview_fill[kind]
            painter.setPen(QPen(brush.color(), 0))  # cosmetic: even a sub-pixel node shows as one pixel
            painter.setBrush(brush)
            painter.drawRects(rects)
        painter.end()
        self._pixmap = pixmap
        self.update()

    def _scale(self) -> float:
        inner_w, inner_h = self.width() - 2 * PADDING, self.height() - 2 * PADDING
        return min(inner_w / max(1.0, self._scene.width()), inner_h / max(1.0, self._scene.height()))

    def _origin(self) -> QPointF:
        """Widget position of the scene's top-left corner: the picture is centred in the widget."""
        s = self._scale()
        return QPointF((self.width() - self._scene.width() * s) / 2, (self.height() - self._scene.height() * s) / 2)

    def _to_widget(self, rect: QRectF) -> QRectF:
        s, o = self._scale(), self._origin()
        return QRectF(
            o.x() + (rect.x() - self._scene.x()) * s,
            o.y() + (rect.y() - self._scene.y()) * s,
            rect.width() * s,
            rect.height() * s,
        )

    def to_scene(self, point: QPointF) -> QPointF:
        """The scene point under a widget point."""
        s, o = self._scale(), self._origin()
        return QPointF(self._scene.x() + (point.x() - o.x()) / s, self._scene.y() + (point.y() - o.y()) / s)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        visible = self._to_widget(self._visible_rect()).intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        fill = QColor(self._style.accent)
        fill.setAlpha(40)
        painter.setBrush(fill)
        painter.setPen(QPen(self._style.accent, 1.5))
        painter.drawRect(visible)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.navigateRequested.emit(self.to_scene(event.position()))
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.navigateRequested.emit(self.to_scene(event.position()))
            event.accept()
