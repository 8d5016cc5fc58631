"""Weight histogram of the selected layer: the current version against the model as first seen (no data)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class WeightHistogramView(QWidget):
    """Histograms of one layer's weights; bars for now, an outline for the reference (dense) weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=None)
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "weight value")
        self.plot.setLabel("left", "count")
        self.plot.addLegend(offset=(-8, 8))
        self.info = QLabel("Select a layer to see its weights.", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.plot, 1)
        self._module: Any = None
        self._reference: dict[str, np.ndarray] = {}
        self._layer: str | None = None

    def set_model(self, module: Any) -> None:
        """The current version's module; the first one seen becomes the reference."""
        self._module = module
        if module is not None and not self._reference:
            from studio.optimize.prune.targets import kernel_layers

            self._reference = {n: module.get_submodule(n).weight.detach().numpy().copy() for n in kernel_layers(module)}
        if self._layer:
            self.show_layer(self._layer)

    def show_layer(self, name: str) -> None:
        """Draw ``name``'s histograms and its statistics."""
        from studio.analysis.sensitivity.weights import weight_stats_of

        self._layer = name
        self.plot.clear()
        if self._module is None:
            return
        try:
            now = self._module.get_submodule(name).weight.detach().numpy()
        except AttributeError:
            return
        ref = self._reference.get(name)
        stats = weight_stats_of(name, now)
        edge = max(stats.max_abs, float(np.abs(ref).max()) if ref is not None and ref.size else 0.0) or 1.0
        edges = np.linspace(-edge, edge, 42)
        counts, _ = np.histogram(now, bins=edges)
        self.plot.addItem(
            pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush="#4e79a7", pen=None, name="now")
        )
        if ref is not None and ref.shape == now.shape and not np.array_equal(ref, now):
            ref_counts, _ = np.histogram(ref, bins=edges)
            self.plot.plot(edges, np.append(ref_counts, 0), stepMode="right", pen=pg.mkPen("#f28e2b", width=2),
                           name="before pruning")  # fmt: skip
        self.info.setText(
            f"<b>{name}</b> {list(stats.shape)}: {stats.count:,} weights, {stats.sparsity:.1%} zero, "
            f"mean |w| {stats.mean_abs:.4f}, max |w| {stats.max_abs:.4f}"
        )
