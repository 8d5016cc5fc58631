"""The graph scene's items: detailed nodes and edges, coarse overview tiles, and outline overlays.

Why two representations: painting thousands of Python items costs a Python call each per frame, too slow when
the whole graph is in view. Far out, a few :class:`OverviewTile` items draw every node of a horizontal band as
plain rectangles (one ``drawRects`` per kind) and its edges as one path; close in, Qt's BSP index culls to the
few :class:`NodeItem`/:class:`EdgeItem` on screen, which draw text, curves and badges.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.graph.layout import NodeBox
from studio.ui.graph.scene_style import SceneStyle

DETAIL_LOD = 0.7  # below this scale node detail lines and edge labels are not drawn (unreadable anyway)
ARROW = 6.0


def _lod(painter: QPainter, option: QStyleOptionGraphicsItem) -> float:
    return option.levelOfDetailFromTransform(painter.worldTransform())


class LayerItem(QGraphicsItem):
    """An invisible parent: hiding it hides all its children in one C++ call (the level-of-detail switch)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pass


class NodeItem(QGraphicsItem):
    """One node: a rounded box in its kind's colours, title, detail line and an optional badge."""

    def __init__(self, name: str, box: NodeBox, kind: str, style: SceneStyle, parent: QGraphicsItem | None) -> None:
        super().__init__(parent)
        self.name = name
        self.kind = kind
        self.style = style
        self.mark = ""
        self._rect = QRectF(-box.width / 2, -box.height / 2, box.width, box.height)
        inner = box.width - 10
        self.title = QFontMetricsF(style.title_font).elidedText(box.title, Qt.TextElideMode.ElideRight, inner)
        self.detail = QFontMetricsF(style.detail_font).elidedText(box.detail, Qt.TextElideMode.ElideLeft, inner)
        self._title_rect = QRectF(-box.width / 2, -box.height / 2 + 2, box.width, box.height / 2)
        self._detail_rect = QRectF(-box.width / 2, 0, box.width, box.height / 2 - 3)
        self.setPos(box.x, box.y)
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setToolTip(f"{name}\n{box.title}")

    def set_mark(self, text: str) -> None:
        """Show ``text`` as a badge on the top-right corner (empty hides it)."""
        if text != self.mark:
            self.prepareGeometryChange()
            self.mark = text
            self.update()

    def _badge_rect(self) -> QRectF:
        width = QFontMetricsF(self.style.badge_font).horizontalAdvance(self.mark) + 10
        return QRectF(self._rect.right() - width + 6, self._rect.top() - 9, width, 15)

    def boundingRect(self) -> QRectF:
        rect = self._rect.adjusted(-1, -1, 1, 1)
        return rect.united(self._badge_rect()) if self.mark else rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        style = self.style
        painter.setPen(style.node_border[self.kind])
        painter.setBrush(style.node_fill[self.kind])
        painter.drawRoundedRect(self._rect, 5, 5)
        painter.setPen(style.node_text[self.kind])
        lod = _lod(painter, option)
        if lod < DETAIL_LOD:
            painter.setFont(style.title_font)
            painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.title)
        else:
            painter.setFont(style.title_font)
            painter.drawText(self._title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.title)
            painter.setPen(style.muted)
            painter.setFont(style.detail_font)
            painter.drawText(
                self._detail_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, self.detail
            )
        if self.mark:
            badge = self._badge_rect()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.badge_fill)
            painter.drawRoundedRect(badge, 7, 7)
            painter.setPen(style.badge_text)
            painter.setFont(style.badge_font)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, self.mark)


def smooth_path(points: Sequence[tuple[float, float]]) -> QPainterPath:
    """A curve through ``points`` leaving and entering each point vertically, as edges in Netron look."""
    path = QPainterPath(QPointF(*points[0]))
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 == x1:
            path.lineTo(x1, y1)
        else:
            mid = (y0 + y1) / 2
            path.cubicTo(x0, mid, x1, mid, x1, y1)
    return path


class EdgeItem(QGraphicsItem):
    """One edge: a smooth curve with an arrow head into its target, and an optional tensor-shape label."""

    def __init__(
        self, points: Sequence[tuple[float, float]], label: str, style: SceneStyle, parent: QGraphicsItem | None
    ) -> None:
        super().__init__(parent)
        self.style = style
        end_x, end_y = points[-1]
        trimmed = [*points[:-1], (end_x, end_y - ARROW)]
        self._path = smooth_path(trimmed)
        self._arrow = QPolygonF(
            [
                QPointF(end_x, end_y),
                QPointF(end_x - ARROW / 2, end_y - ARROW),
                QPointF(end_x + ARROW / 2, end_y - ARROW),
            ]
        )
        self.label = label
        x0, y0 = points[0]
        width = QFontMetricsF(style.edge_label_font).horizontalAdvance(label) + 4 if label else 0.0
        self._label_rect = QRectF(x0 + 4, y0 + 5, width, 12)  # below a search-match outline
        bounds = self._path.boundingRect().united(self._arrow.boundingRect())
        if label:
            bounds = bounds.united(self._label_rect)
        self._bounds = bounds.adjusted(-2, -2, 2, 2)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        style = self.style
        painter.setPen(style.edge_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.arrow_brush)
        painter.drawPolygon(self._arrow)
        if self.label and _lod(painter, option) >= DETAIL_LOD:
            painter.setPen(style.edge_label)
            painter.setFont(style.edge_label_font)
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.label)


class OverviewTile(QGraphicsItem):
    """Every node of one horizontal band as plain rectangles by kind, its edges as one straight-line path."""

    def __init__(
        self,
        rect: QRectF,
        rects_by_kind: dict[str, list[QRectF]],
        edges: QPainterPath,
        style: SceneStyle,
        parent: QGraphicsItem,
    ) -> None:
        super().__init__(parent)
        self._rect = rect
        self._rects_by_kind = rects_by_kind
        self._edges = edges
        self.style = style
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # Far out, a tile's pixmap is small: panning then blits it instead of drawing thousands of rectangles.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        style = self.style
        painter.setPen(style.overview_edge_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._edges)
        painter.setPen(Qt.PenStyle.NoPen)
        for kind, rects in self._rects_by_kind.items():
            painter.setBrush(style.overview_fill[kind])
            painter.drawRects(rects)


class OutlineItem(QGraphicsItem):
    """Outlines around a set of node rectangles: the selection, or every search match. Drawn on top."""

    def __init__(self, style: SceneStyle, selection: bool) -> None:
        super().__init__()
        self.style = style
        self.selection = selection
        self._rects: list[QRectF] = []
        self._bounds = QRectF()
        self.setZValue(5 if selection else 4)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)  # for exposedRect

    def set_rects(self, rects: list[QRectF]) -> None:
        """Outline exactly ``rects`` (scene coordinates), grown so the outline sits just outside each box."""
        self.prepareGeometryChange()
        self._rects = [r.adjusted(-4, -4, 4, 4) for r in rects]
        bounds = QRectF()
        for r in self._rects:
            bounds = bounds.united(r)
        self._bounds = bounds.adjusted(-4, -4, 4, 4)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setPen(self.style.selection_pen if self.selection else self.style.match_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        exposed = option.exposedRect
        for r in self._rects:
            if r.intersects(exposed):
                painter.drawRoundedRect(r, 7, 7)
