"""Before/after comparison: a table and a grouped bar chart (after as % of before, lower is better)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from studio.ui.format import human_bytes, human_count

ROWS = (
    ("accuracy", "accuracy", lambda v: f"{100 * v:.2f} %"),
    ("params", "parameters (nonzero)", human_count),
    ("size_bytes", "weights (nonzero)", human_bytes),
    ("macs", "MACs (dense)", human_count),
    ("sparse_macs", "MACs (zeros skipped)", human_count),
    ("latency_ms_batch1", "latency, batch 1", lambda v: f"{v:.3f} ms"),
    ("latency_ms_batch32", "latency, batch 32", lambda v: f"{v:.3f} ms"),
)
BARS = ("params", "size_bytes", "sparse_macs", "latency_ms_batch1", "latency_ms_batch32")
BAR_LABELS = ("params", "size", "MACs", "lat. b1", "lat. b32")


class ComparisonView(QWidget):
    """Shows :func:`studio.workflows.prune.compare_loaded`'s result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(len(ROWS), 4, self)
        self.table.setHorizontalHeaderLabels(("", "before", "after", "change"))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (_key, label, _fmt) in enumerate(ROWS):
            self.table.setItem(row, 0, QTableWidgetItem(label))
        self.chart = pg.PlotWidget(background=None)
        self.chart.setMenuEnabled(False)
        self.chart.getViewBox().setMouseEnabled(x=False, y=False)
        self.chart.setLabel("left", "after / before", units="%")
        self.chart.getAxis("bottom").setTicks([list(enumerate(BAR_LABELS))])
        self.chart.setYRange(0, 110, padding=0)
        self.chart.addLine(y=100, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.bars = pg.BarGraphItem(x=np.arange(len(BARS)), height=np.zeros(len(BARS)), width=0.6, brush="#4e79a7")
        self.chart.addItem(self.bars)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.chart, 2)
        self.result: dict | None = None

    def set_result(self, result: dict | None) -> None:
        """Fill the table and bars from ``{"before": {...}, "after": {...}}`` (or clear)."""
        self.result = result
        heights = []
        for row, (key, _label, fmt) in enumerate(ROWS):
            before = (result or {}).get("before", {}).get(key)
            after = (result or {}).get("after", {}).get(key)
            cells = ("–", "–", "")
            if before is not None and after is not None:
                change = (
                    f"{100 * (after - before):+.2f} pt" if key == "accuracy" else f"{100 * (after / before - 1):+.0f} %"
                )
                cells = (fmt(before), fmt(after), change if before else "")
            for col, text in enumerate(cells, start=1):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        for key in BARS:
            before = (result or {}).get("before", {}).get(key)
            after = (result or {}).get("after", {}).get(key)
            heights.append(100 * after / before if before and after is not None else 0.0)
        colors = ["#59a14f" if h <= 100 else "#e15759" for h in heights]
        self.bars.setOpts(height=np.array(heights), brushes=colors)
        self.chart.setYRange(0, max(110.0, *heights) if heights else 110, padding=0)
