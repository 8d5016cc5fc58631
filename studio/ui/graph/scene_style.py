"""Pens, brushes and fonts the graph's scene items paint with, switched in place between light and dark.

Items keep a reference to one :class:`SceneStyle` instead of their own colours, so a theme change is one
``apply()`` and a repaint, not a walk over thousands of items.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette, QPen
from PySide6.QtWidgets import QApplication

from studio.ui.graph.node_colors import KINDS, kind_colors

TITLE_PX = 12
DETAIL_PX = 10
EDGE_LABEL_PX = 9
BADGE_PX = 9


def palette_is_dark() -> bool:
    """Whether the application palette has a dark window colour (the studio's dark theme or a dark system)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5


def _font(px: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(px)
    font.setBold(bold)
    return font


class SceneStyle:
    """The current look of the graph scene; :meth:`apply` switches it between light and dark."""

    def __init__(self, dark: bool | None = None) -> None:
        self.title_font = _font(TITLE_PX, bold=True)
        self.detail_font = _font(DETAIL_PX)
        self.edge_label_font = _font(EDGE_LABEL_PX)
        self.badge_font = _font(BADGE_PX, bold=True)
        self.apply(palette_is_dark() if dark is None else dark)

    def apply(self, dark: bool) -> None:
        """Recompute every colour for the dark or light theme."""
        self.dark = dark
        self.background = QColor("#16191d" if dark else "#fbfbfc")
        self.node_fill: dict[str, QBrush] = {}
        self.node_border: dict[str, QPen] = {}
        self.node_text: dict[str, QColor] = {}
        for kind in KINDS:
            colors = kind_colors(kind, dark)
            self.node_fill[kind] = QBrush(QColor(colors.fill))
            pen = QPen(QColor(colors.border), 1.3)
            self.node_border[kind] = pen
            self.node_text[kind] = QColor(colors.text)
        self.overview_fill = {kind: QBrush(QColor(kind_colors(kind, dark).border)) for kind in KINDS}
        self.muted = QColor("#9aa3ae" if dark else "#6b7280")
        edge = QColor("#7c8592" if dark else "#8b95a3")
        self.edge_pen = QPen(edge, 1.2)
        self.edge_pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.arrow_brush = QBrush(edge)
        self.overview_edge_pen = QPen(edge, 0)  # cosmetic hairline: cheap at any zoom
        self.edge_label = QColor("#aab2bd" if dark else "#5b6472")
        self.accent = QColor("#60a5fa" if dark else "#2563eb")
        self.selection_pen = QPen(self.accent, 3.0)
        self.selection_pen.setCosmetic(True)
        self.match_pen = QPen(QColor("#f59e0b" if dark else "#d97706"), 2.0, Qt.PenStyle.DashLine)
        self.match_pen.setCosmetic(True)
        self.badge_fill = QBrush(QColor("#dc2626" if not dark else "#ef4444"))
        self.badge_text = QColor("#ffffff")
