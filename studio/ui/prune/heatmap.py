"""Layers x levels heatmap of the accuracy drop, with the values written in the cells."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget


class SensitivityHeatmap(QWidget):
    """Rows are layers (top = first), columns levels; colour = accuracy drop in points. ``layerClicked(name)``."""

    layerClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=None)
        self.plot.setMenuEnabled(False)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.plot.getViewBox().invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get("magma").getLookupTable(alpha=False)[::-1])
        self.plot.addItem(self.image)
        self.plot.setLabel("bottom", "level", units="%")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._names: list[str] = []
        self._texts: list[pg.TextItem] = []
        self.image.mouseClickEvent = self._on_click  # type: ignore[method-assign]
        self.matrix = np.zeros((0, 0))

    def set_scan(self, scan: object | None) -> None:
        """Show the drops of a scan (or clear)."""
        for text in self._texts:
            self.plot.removeItem(text)
        self._texts.clear()
        if scan is None or not scan.layers:
            self.image.clear()
            self._names = []
            return
        self._names = scan.names
        drop = 100 * np.clip(scan.baseline_accuracy - scan.accuracy_matrix(), 0, None)
        self.matrix = drop
        self.image.setImage(drop, levels=(0, max(5.0, float(drop.max()))))
        levels = scan.levels
        self.plot.getAxis("bottom").setTicks([[(i + 0.5, f"{100 * lv:.0f}") for i, lv in enumerate(levels)]])
        self.plot.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(self._names)]])
        top = max(5.0, float(drop.max()))
        for r in range(drop.shape[0]):
            for c in range(drop.shape[1]):
                color = "#fff" if drop[r, c] > 0.55 * top else "#222"
                text = pg.TextItem(f"{drop[r, c]:.1f}", color=color, anchor=(0.5, 0.5))
                text.setPos(c + 0.5, r + 0.5)
                self.plot.addItem(text)
                self._texts.append(text)
        self.plot.setRange(xRange=(0, drop.shape[1]), yRange=(0, drop.shape[0]), padding=0)

    def _on_click(self, event: object) -> None:
        row = int(event.pos().y())  # type: ignore[attr-defined]
        if 0 <= row < len(self._names):
            self.layerClicked.emit(self._names[row])
