"""Validation accuracy per epoch of the student with and without distillation: mean over seeds, ± sd band."""

from __future__ import annotations

import statistics
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

_STYLE = {"kd": ("#2563eb", "with distillation"), "baseline": ("#9ca3af", "trained alone")}


def mean_curves(curves: dict[str, list[tuple[int, float]]]) -> dict[str, list[tuple[int, float, float, int]]]:
    """``mode -> [(epoch, mean, sd, seeds)]`` from series named ``"<mode>/seed<N>/val_accuracy"``."""
    by_mode: dict[str, dict[int, list[float]]] = {}
    for series, points in curves.items():
        parts = series.split("/")
        if len(parts) != 3 or parts[2] != "val_accuracy":
            continue
        for epoch, value in points:
            by_mode.setdefault(parts[0], {}).setdefault(epoch, []).append(value)
    out: dict[str, list[tuple[int, float, float, int]]] = {}
    for mode, epochs in by_mode.items():
        out[mode] = [
            (e, statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v))
            for e, v in sorted(epochs.items())
        ]
    return out


class DistillCurves(pg.PlotWidget):
    """Two lines (mean) with shaded ± sd bands; :meth:`set_curves` takes the store's curves of a run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setMinimumHeight(220)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "validation accuracy (%)")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.addLegend(offset=(-10, -10))
        self.lines: dict[str, Any] = {}
        self.bands: dict[str, Any] = {}
        for mode, (color, label) in _STYLE.items():
            upper = pg.PlotDataItem(pen=pg.mkPen(None))
            lower = pg.PlotDataItem(pen=pg.mkPen(None))
            shade = pg.mkColor(color)
            shade.setAlpha(50)
            fill = pg.FillBetweenItem(upper, lower, brush=pg.mkBrush(shade))
            self.addItem(fill)
            line = self.plot(
                [],
                [],
                pen=pg.mkPen(color, width=2.5),
                symbol="o",
                symbolSize=5,
                symbolBrush=color,
                symbolPen=None,
                name=label,
            )
            self.lines[mode] = line
            self.bands[mode] = (upper, lower)
        self.means: dict[str, list[tuple[int, float, float, int]]] = {}

    def set_curves(self, curves: dict[str, list[tuple[int, float]]]) -> None:
        self.means = mean_curves(curves)
        for mode in _STYLE:
            points = self.means.get(mode, [])
            xs = [p[0] for p in points]
            self.lines[mode].setData(xs, [100 * p[1] for p in points])
            upper, lower = self.bands[mode]
            upper.setData(xs, [100 * (p[1] + p[2]) for p in points])
            lower.setData(xs, [100 * (p[1] - p[2]) for p in points])
