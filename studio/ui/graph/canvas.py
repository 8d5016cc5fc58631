"""The QGraphicsView under the graph view: zoom anchored under the mouse, hand-drag panning, click to pick.

Why clicks are picked here rather than by the items: far out the graph is drawn by overview tiles, not node
items, and a click must still select the node under it; the view asks a ``pick(scene point)`` callback.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

MIN_SCALE, MAX_SCALE = 0.002, 4.0
CLICK_SLOP = 4  # pixels a press may move and still count as a click rather than a drag


class GraphCanvas(QGraphicsView):
    """Emits ``clicked(scene point)`` on a click (not a drag) and ``viewChanged(scale)`` after zoom or pan."""

    clicked = Signal(QPointF)
    viewChanged = Signal(float)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._press: QPoint | None = None

    @property
    def zoom(self) -> float:
        """The current scale (1.0 = one scene unit per pixel)."""
        return self.transform().m11()

    def zoom_by(self, factor: float, under_mouse: bool = False) -> None:
        """Scale by ``factor`` around the mouse or the view centre, clamped to a sane range."""
        target = min(MAX_SCALE, max(MIN_SCALE, self.zoom * factor))
        if target == self.zoom:
            return
        anchor = self.transformationAnchor()
        if not under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(target / self.zoom, target / self.zoom)
        self.setTransformationAnchor(anchor)
        self.viewChanged.emit(self.zoom)

    def fit_rect(self, rect: QRectF, max_scale: float = 1.0) -> None:
        """Show all of ``rect``, never enlarging past ``max_scale`` (a tiny graph stays at natural size)."""
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > max_scale:
            self.resetTransform()
            self.scale(max_scale, max_scale)
            self.centerOn(rect.center())
        self.viewChanged.emit(self.zoom)

    def pan_by(self, dx: int, dy: int) -> None:
        """Scroll the view by ``(dx, dy)`` pixels."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + dx)
        v.setValue(v.value() + dy)

    def visible_scene_rect(self) -> QRectF:
        """The part of the scene currently on screen."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.viewChanged.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(1.0015**delta, under_mouse=True)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        if (event.position().toPoint() - press).manhattanLength() <= CLICK_SLOP:
            self.clicked.emit(self.mapToScene(event.position().toPoint()))
