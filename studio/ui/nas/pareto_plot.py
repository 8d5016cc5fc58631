"""The live Pareto scatter: accuracy against the chosen cost, the front as a step line, the limit as a line.

Why pyqtgraph: it redraws a few thousand points in well under a frame, so the plot can follow a search trial
by trial without blocking the window.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from studio.ui.jobs.signal_emit import emit_signal

#: cost key -> (axis label, scale applied to the stored value, constraint key)
COSTS: dict[str, tuple[str, float, str]] = {
    "macs": ("MACs (millions)", 1e-6, "max_macs"),
    "peak_sram_bytes": ("peak SRAM (KB)", 1 / 1024, "max_sram_bytes"),
    "flash_bytes": ("flash (KB)", 1 / 1024, "max_flash_bytes"),
    "params": ("parameters (thousands)", 1e-3, "max_params"),
    "latency_ms": ("latency on this CPU (ms)", 1.0, "max_latency_ms"),
}


def pareto_indices(trials: list[dict[str, Any]], cost: str) -> list[int]:
    """Indices of trials no other beats on accuracy (higher) and ``cost`` (lower), by increasing cost."""
    usable = [t for t in trials if t.get(cost) is not None]
    ordered = sorted(usable, key=lambda t: (t[cost], -t["accuracy"], t["index"]))
    front, best = [], -1.0
    for t in ordered:
        if t["accuracy"] > best:
            front.append(t["index"])
            best = t["accuracy"]
    return front


class ParetoPlot(QWidget):
    """Scatter plus cost selector; ``trialClicked(trial_index)`` when a point is clicked."""

    trialClicked = Signal(int)
    costChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cost = "macs"
        self.trials: list[dict[str, Any]] = []
        self.limits: dict[str, Any] = {}
        self.selected: int | None = None
        self._axis_label = ""
        self.cost_box = QComboBox(self)
        for key, (label, _scale, _limit) in COSTS.items():
            self.cost_box.addItem(label, key)
        self.cost_box.currentIndexChanged.connect(self._on_cost)
        self.summary = QLabel(self)
        self.summary.setObjectName("paretoSummary")
        top = QHBoxLayout()
        top.addWidget(QLabel("Accuracy against", self))
        top.addWidget(self.cost_box)
        top.addStretch(1)
        top.addWidget(self.summary)
        self.plot = pg.PlotWidget(self, background=None)
        self.plot.setMinimumHeight(220)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("left", "accuracy (%)")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.points = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#ffffff", width=0.8), hoverable=True)
        self.points.sigClicked.connect(self._on_click)
        self.front = pg.PlotDataItem(pen=pg.mkPen("#2563eb", width=2), stepMode=None)
        self.highlight = pg.ScatterPlotItem(size=16, pen=pg.mkPen("#f59e0b", width=2.5), brush=pg.mkBrush(0, 0, 0, 0))
        self.limit_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#dc2626", width=1.5, style=Qt.PenStyle.DashLine))
        self.limit_label = pg.TextItem(color="#dc2626", anchor=(1.05, 1))
        for item in (self.front, self.points, self.highlight, self.limit_line, self.limit_label):
            self.plot.addItem(item)
        legend = self.plot.addLegend(offset=(10, 10))
        legend.addItem(self.front, "Pareto front")
        # The legend draws a sample of each item; an InfiniteLine has none, so a stand-in line names the limit.
        self._limit_sample = pg.PlotDataItem(pen=pg.mkPen("#dc2626", width=1.5, style=Qt.PenStyle.DashLine))
        legend.addItem(self._limit_sample, "limit")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self._redraw()

    def set_data(self, trials: list[dict[str, Any]], limits: dict[str, Any] | None = None) -> None:
        """Show ``trials`` (dicts as the store returns them) and the limits of their search."""
        self.trials = list(trials)
        if limits is not None:
            self.limits = dict(limits)
        self._redraw()

    def select(self, trial_index: int | None) -> None:
        self.selected = trial_index
        self._redraw_highlight()

    def front_indices(self) -> list[int]:
        return pareto_indices(self.trials, self.cost)

    def _on_cost(self) -> None:
        self.cost = str(self.cost_box.currentData())
        self._redraw()
        emit_signal(self, "costChanged", self.cost)

    def _xy(self, t: dict[str, Any]) -> tuple[float, float] | None:
        value = t.get(self.cost)
        if value is None:
            return None
        return float(value) * COSTS[self.cost][1], 100.0 * float(t["accuracy"])

    def _redraw(self) -> None:
        label, scale, limit_key = COSTS[self.cost]
        if label != self._axis_label:  # relabelling re-lays out the axis: only when the cost changes
            self.plot.setLabel("bottom", label)
            self._axis_label = label
        front = set(self.front_indices())
        spots = []
        last_gen = max((t.get("generation") or 0 for t in self.trials), default=0)
        for t in self.trials:
            xy = self._xy(t)
            if xy is None:
                continue
            on_front = t["index"] in front
            age = (t.get("generation") or 0) / max(1, last_gen)
            color = pg.mkColor("#2563eb") if on_front else pg.mkColor(int(150 - 60 * age), int(160 - 40 * age), 175)
            spots.append({"pos": xy, "data": t["index"], "brush": pg.mkBrush(color), "size": 11 if on_front else 8})
        self.points.setData(spots)
        front_trials = sorted((t for t in self.trials if t["index"] in front), key=lambda t: t.get(self.cost) or 0)
        xs: list[float] = []
        ys: list[float] = []
        for t in front_trials:  # a staircase: accuracy holds until a costlier point beats it
            x, y = self._xy(t)  # type: ignore[misc]
            if xs:
                xs.append(x)
                ys.append(ys[-1])
            xs.append(x)
            ys.append(y)
        self.front.setData(xs, ys)
        limit = self.limits.get(limit_key)
        self.limit_line.setVisible(limit is not None)
        self.limit_label.setVisible(limit is not None)
        if limit is not None:
            x = float(limit) * scale
            self.limit_line.setValue(x)
            self.limit_label.setText(f"limit {x:g}")
            low = min((100.0 * t["accuracy"] for t in self.trials), default=0.0)
            self.limit_label.setPos(x, low)
        n = len(self.trials)
        self.summary.setText(f"{n} trial{'s' if n != 1 else ''}, {len(front)} on the front" if n else "no trials yet")
        self._redraw_highlight()

    def _redraw_highlight(self) -> None:
        t = next((t for t in self.trials if t["index"] == self.selected), None)
        xy = self._xy(t) if t is not None else None
        self.highlight.setData([] if xy is None else [{"pos": xy}])

    def _on_click(self, _item: Any, points: Any, *_args: Any) -> None:
        if len(points):
            trial_index = int(points[0].data())
            self.select(trial_index)
            emit_signal(self, "trialClicked", trial_index)
