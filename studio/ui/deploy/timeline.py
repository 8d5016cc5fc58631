"""The arena timeline: one rectangle per buffer, x = the steps it is live, y = its bytes in the arena."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor

_COLORS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")


class ArenaTimelineView(pg.PlotWidget):
    """Draws a memory report's ``timeline``; the dashed line is the planner's lower bound."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumHeight(220)
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.25)
        self.setLabel("left", "arena offset", units="B")
        self.setLabel("bottom", "layer (execution order)")
        self.setMouseEnabled(x=False, y=False)

    def show_report(self, report: dict[str, Any]) -> None:
        """Replace the drawing with ``report`` (from :func:`studio.deploy.report.memory_report`)."""
        plot = self.getPlotItem()
        plot.clear()
        for i, b in enumerate(report["timeline"]):
            color = QColor("#BBBBBB") if b["kind"] == "scratch" else QColor(_COLORS[i % len(_COLORS)])
            x0, x1 = b["first"] - 0.45, b["last"] + 0.45
            y0, y1 = b["offset"], b["offset"] + b["size"]
            fill = QColor(color)
            fill.setAlpha(170)
            item = pg.PlotCurveItem(
                [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], pen=pg.mkPen(color.darker(130), width=1),
                fillLevel=y0, brush=fill,
            )  # fmt: skip
            plot.addItem(item)
            label = pg.TextItem(b["buffer"][:14], color="#222222", anchor=(0, 0.5))
            label.setPos(x0 + 0.05, (y0 + y1) / 2)
            plot.addItem(label)
        bound = report["lower_bound_bytes"]
        plot.addItem(pg.InfiniteLine(bound, angle=0, pen=pg.mkPen("#333333", style=pg.QtCore.Qt.DashLine)))
        text = pg.TextItem(f"lower bound {bound} B", color="#333333", anchor=(1, 1))
        text.setPos(len(report["steps"]) - 0.5, bound)
        plot.addItem(text)
        axis = plot.getAxis("bottom")
        axis.setTicks([[(i, s[:8]) for i, s in enumerate(report["steps"])]])
        plot.setXRange(-0.6, len(report["steps"]) - 0.4, padding=0)
        plot.setYRange(0, max(report["arena_bytes"], 1) * 1.08, padding=0)
