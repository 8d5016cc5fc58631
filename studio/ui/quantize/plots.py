"""The Quantize stage's plots (pyqtgraph): a histogram with its grid's clipping range, and bit-width curves."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QWidget

from studio.ui.theme import current_colors

#: a colour per layer in the curves, readable on light and dark backgrounds
CURVE_COLORS = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")


def _styled_plot(plot: pg.PlotWidget, title: str, x_label: str, y_label: str) -> None:
    colors = current_colors()
    plot.setBackground(colors.base)
    item = plot.getPlotItem()
    item.setTitle(title, color=colors.text, size="10pt")
    font = QFont()
    font.setPointSize(8)
    for side, label in (("bottom", x_label), ("left", y_label)):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen(colors.muted))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.setTickFont(font)
        axis.setLabel(label, color=colors.muted)
        axis.enableAutoSIPrefix(False)
    item.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)


class RangeHistogram(pg.PlotWidget):
    """A histogram of values with the quantization grid's range drawn as two dashed lines and the clipped
    tails shaded; ``markers`` (e.g. a k-means codebook) are drawn as short ticks."""

    def __init__(self, title: str, x_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        _styled_plot(self, title, x_label, "count")
        self.setMinimumHeight(170)
        self.placeholder = pg.TextItem("", color=current_colors().muted, anchor=(0.5, 0.5))
        self.addItem(self.placeholder)
        self.shown: dict[str, Any] = {}

    def show_histogram(
        self,
        counts: list[float] | None,
        edges: list[float] | None,
        clip: tuple[float, float] | None = None,
        markers: list[float] | None = None,
        subtitle: str = "",
    ) -> None:
        """Draw ``counts`` over ``edges``; ``None`` shows a hint instead."""
        item = self.getPlotItem()
        item.clear()
        colors = current_colors()
        title = f"<b>{self._title}</b>" + (f"<br><span style='font-size:8pt'>{subtitle}</span>" if subtitle else "")
        item.setTitle(title, color=colors.text, size="10pt")
        self.shown = {"counts": counts, "clip": clip}
        if not counts or not edges:
            self.placeholder.setText("Quantize to see the distribution and its clipping range")
            item.addItem(self.placeholder)
            self.placeholder.setPos(0.5, 0.5)
            item.setXRange(0, 1)
            item.setYRange(0, 1)
            return
        fill = QColor(colors.accent)
        fill.setAlpha(110)
        curve = pg.PlotDataItem(edges, counts, stepMode="center", fillLevel=0, brush=fill,
                                pen=pg.mkPen(colors.accent, width=1))  # fmt: skip
        item.addItem(curve)
        top = max(counts) if counts else 1.0
        if clip is not None:
            lo, hi = clip
            shade = QColor(colors.error)
            shade.setAlpha(40)
            left = min(edges[0], lo)
            right = max(edges[-1], hi)
            for a, b in ((left, lo), (hi, right)):
                if b > a:
                    region = pg.LinearRegionItem((a, b), movable=False, brush=shade, pen=pg.mkPen(None))
                    item.addItem(region)
            for x in (lo, hi):
                item.addItem(
                    pg.InfiniteLine(x, angle=90, pen=pg.mkPen(colors.error, width=1.5, style=Qt.PenStyle.DashLine))
                )
        if markers:
            ticks = pg.ScatterPlotItem(markers, [top * 1.04] * len(markers), symbol="t", size=7,
                                       brush=pg.mkBrush(colors.text), pen=pg.mkPen(None))  # fmt: skip
            item.addItem(ticks)
        xs = [edges[0], edges[-1], *(clip or ())]
        pad = 0.04 * (max(xs) - min(xs) or 1.0)
        item.setXRange(min(xs) - pad, max(xs) + pad, padding=0)
        item.setYRange(0, top * 1.12, padding=0)


class BitCurvesPlot(pg.PlotWidget):
    """Accuracy against weight bits, one curve per layer (only that layer quantized), the float baseline
    dashed: the per-layer sensitivity that guides mixed precision."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _styled_plot(self, "Bit-width sensitivity (one layer quantized at a time)", "weight bits", "accuracy (%)")
        self.setMinimumHeight(170)
        self.legend = self.getPlotItem().addLegend(offset=(-10, -10), labelTextSize="8pt", colCount=4)
        self.scan: dict[str, Any] | None = None

    def show_scan(self, scan: dict[str, Any] | None) -> None:
        """Draw a scan dict (see :meth:`BitScanResult.to_dict`); ``None`` clears."""
        item = self.getPlotItem()
        item.clear()
        self.legend.clear()
        self.scan = scan
        if not scan:
            return
        colors = current_colors()
        baseline = 100 * scan["baseline"]
        item.addItem(
            pg.InfiniteLine(baseline, angle=0, pen=pg.mkPen(colors.muted, width=1, style=Qt.PenStyle.DashLine))
        )
        lowest = baseline
        for i, curve in enumerate(scan["curves"]):
            color = CURVE_COLORS[i % len(CURVE_COLORS)]
            ys = [100 * a for a in curve["accuracy"]]
            lowest = min(lowest, *ys)
            item.plot(curve["bits"], ys, pen=pg.mkPen(color, width=2), symbol="o", symbolSize=6,
                      symbolBrush=color, symbolPen=pg.mkPen(color), name=curve["layer"])  # fmt: skip
        bits = sorted({b for c in scan["curves"] for b in c["bits"]})
        item.getAxis("bottom").setTicks([[(b, str(b)) for b in bits]])
        item.setXRange(min(bits) - 0.3, max(bits) + 0.3, padding=0)
        item.setYRange(max(0.0, lowest - 3), min(100.0, baseline + 1.5), padding=0)
