"""Live fine-tuning curves: training loss and validation accuracy per epoch, from the job's metrics lines."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget


class TrainingCurvesView(QWidget):
    """Two y-axes on one plot: loss (left) and accuracy % (right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=None)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "training loss", color="#e15759")
        self.plot.showAxis("right")
        self.plot.setLabel("right", "validation accuracy %", color="#4e79a7")
        self.accuracy_box = pg.ViewBox()
        self.plot.scene().addItem(self.accuracy_box)
        self.plot.getAxis("right").linkToView(self.accuracy_box)
        self.accuracy_box.setXLink(self.plot)
        self.plot.getViewBox().sigResized.connect(self._sync)
        self.loss = self.plot.plot(pen=pg.mkPen("#e15759", width=2), symbol="o", symbolSize=5, symbolBrush="#e15759")
        self.accuracy = pg.PlotDataItem(pen=pg.mkPen("#4e79a7", width=2), symbol="s", symbolSize=5)
        self.accuracy_box.addItem(self.accuracy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.rows: list[dict] = []

    def _sync(self) -> None:
        self.accuracy_box.setGeometry(self.plot.getViewBox().sceneBoundingRect())

    def clear(self) -> None:
        self.rows = []
        self.loss.setData([], [])
        self.accuracy.setData([], [])

    def add(self, row: dict) -> None:
        """Append one epoch ``{"epoch", "loss", "accuracy"}`` and redraw."""
        self.rows.append(row)
        epochs = [r["epoch"] for r in self.rows]
        self.loss.setData(epochs, [r["loss"] for r in self.rows])
        self.accuracy.setData(epochs, [100 * r["accuracy"] for r in self.rows])
        self._sync()
