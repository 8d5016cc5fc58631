"""Sensitivity curves in pyqtgraph: accuracy against level, one curve per layer.

Hovering shows the nearest point's layer, level and accuracy; clicking a curve selects its layer; the
selected layer's chosen sparsity is a handle on its curve that can be dragged along it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from studio.ui.prune.palette import series_color

HOVER_PX = 12


class SensitivityCurvesView(QWidget):
    """Signals: ``layerClicked(name)``, ``sparsityDragged(name, level)``, ``dragFinished()``."""

    layerClicked = Signal(str)
    sparsityDragged = Signal(str, float)
    dragFinished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=None)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.18)
        self.plot.setLabel("left", "accuracy", units="%")
        self.plot.setLabel("bottom", "sparsity of the layer alone", units="%")
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.legend = self.plot.addLegend(offset=(8, -8), labelTextSize="9pt", verSpacing=-4)
        self.hover = pg.TextItem(anchor=(0, 1), color="#222", fill=pg.mkBrush(255, 255, 255, 225))
        self.hover.setZValue(30)
        self.hover.hide()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.handle = pg.TargetItem(size=14, symbol="o", pen=pg.mkPen("#111", width=2), movable=True)
        self.handle.setZValue(25)
        self.handle.hide()
        self.plot.addItem(self.handle, ignoreBounds=True)
        self.handle.sigPositionChanged.connect(self._on_handle_moved)
        self.handle.sigPositionChangeFinished.connect(lambda _item: self.dragFinished.emit())
        self.baseline = pg.InfiniteLine(angle=0, pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.baseline, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._items: dict[str, pg.PlotDataItem] = {}
        self._selected: str | None = None
        self._moving = False
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # ----------------------------------------------------------------------------------------- data
    def set_scan(self, scan: object | None) -> None:
        """Draw every curve of a :class:`~studio.analysis.sensitivity.result.ScanResult` (or clear)."""
        for item in self._items.values():
            self.plot.removeItem(item)
        self.legend.clear()
        self._items.clear()
        self._curves.clear()
        self.handle.hide()
        if scan is None:
            return
        self.plot.setLabel("bottom", f"{scan.label} of the layer alone", units="%")
        self.baseline.setPos(100 * scan.baseline_accuracy)
        for i, curve in enumerate(scan.layers):
            x = 100 * np.asarray(curve.levels)
            y = 100 * np.asarray(curve.accuracy)
            item = pg.PlotDataItem(
                x, y, pen=pg.mkPen(series_color(i), width=2), symbol="o", symbolSize=5,
                symbolBrush=series_color(i), symbolPen=None, name=curve.name,
            )  # fmt: skip
            item.setCurveClickable(True, width=8)
            item.sigClicked.connect(lambda _item, _ev=None, name=curve.name: self.layerClicked.emit(name))
            self.plot.addItem(item)
            self._items[curve.name] = item
            self._curves[curve.name] = (x, y)
        low = min(float(y.min()) for _, y in self._curves.values())
        self.plot.setYRange(max(0.0, low - 5), 101, padding=0)
        self.plot.setXRange(0, max(float(x.max()) for x, _ in self._curves.values()), padding=0.03)
        self.select(self._selected)

    def select(self, name: str | None) -> None:
        """Emphasise ``name``'s curve (others fade) and put the handle on it."""
        self._selected = name if name in self._curves else None
        for i, (layer, item) in enumerate(self._items.items()):
            color = QColor(series_color(i))
            if self._selected and layer != self._selected:
                color.setAlpha(70)
            width = 3.5 if layer == self._selected else 2
            item.setPen(pg.mkPen(color, width=width))
            item.setZValue(10 if layer == self._selected else 1)
        if self._selected is None:
            self.handle.hide()

    def set_decision(self, name: str, level: float) -> None:
        """Place the handle at ``level`` (a fraction) on ``name``'s curve."""
        if name not in self._curves or name != self._selected:
            return
        x, y = self._curves[name]
        self._moving = True
        try:
            self.handle.setPos(100 * level, float(np.interp(100 * level, x, y)))
        finally:
            self._moving = False
        self.handle.show()

    # ----------------------------------------------------------------------------------------- mouse
    def _on_handle_moved(self, _item: object) -> None:
        if self._moving or self._selected is None:
            return
        x, y = self._curves[self._selected]
        level = float(np.clip(self.handle.pos().x(), 0.0, x.max()))
        self._moving = True
        try:
            self.handle.setPos(level, float(np.interp(level, x, y)))  # the handle stays on the curve
        finally:
            self._moving = False
        self.sparsityDragged.emit(self._selected, level / 100)

    def nearest_point(self, scene_pos: QPointF) -> tuple[str, float, float] | None:
        """The layer, level (%) and accuracy (%) of the scanned point nearest ``scene_pos`` within a few px."""
        vb = self.plot.getViewBox()
        best: tuple[float, str, float, float] | None = None
        for name, (x, y) in self._curves.items():
            for xi, yi in zip(x, y, strict=True):
                p = vb.mapViewToScene(QPointF(float(xi), float(yi)))
                d = (p.x() - scene_pos.x()) ** 2 + (p.y() - scene_pos.y()) ** 2
                if best is None or d < best[0]:
                    best = (d, name, float(xi), float(yi))
        if best is None or best[0] > HOVER_PX**2:
            return None
        return best[1], best[2], best[3]

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self.nearest_point(scene_pos)
        if hit is None:
            self.hover.hide()
            return
        name, level, accuracy = hit
        self.hover.setText(f"{name}\n{level:.0f}% → {accuracy:.2f}%")
        self.hover.setFont(QFont(self.font().family(), 8))
        self.hover.setPos(level, accuracy)
        self.hover.show()
