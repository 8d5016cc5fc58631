"""Live views of a :class:`~plugins.quantum.live.LiveSnapshot`: probabilities, amplitudes and phases, Bloch
vectors, the density matrix and the shot histogram."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from plugins.quantum.ui.style import ACCENT, AER, NOISY, phase_color

MAX_BARS = 32


def _labels(width: int, indices: np.ndarray) -> list[tuple[int, str]]:
    return [(k, format(int(i), f"0{width}b")) for k, i in enumerate(indices)]


def _plot(title: str, ylabel: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground(None)
    plot.setTitle(title, size="10pt")
    plot.setLabel("left", ylabel)
    plot.showGrid(y=True, alpha=0.25)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMinimumHeight(150)
    return plot


def top_indices(values: np.ndarray, limit: int = MAX_BARS) -> np.ndarray:
    """All indices when there are few, else the ``limit`` largest, in index order."""
    if len(values) <= limit:
        return np.arange(len(values))
    return np.sort(np.argsort(values)[-limit:])


class ProbabilityView(pg.PlotWidget):
    """Outcome probabilities (blue: the studio's simulator, green: Aer's counts when verified)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(None)
        self.setTitle("Probabilities", size="10pt")
        self.setLabel("left", "probability")
        self.showGrid(y=True, alpha=0.25)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)
        self.getAxis("left").enableAutoSIPrefix(False)
        self.indices = np.arange(0)
        self.values = np.zeros(0)

    def show_probabilities(self, probs: np.ndarray, width: int, noisy: bool, aer: dict[str, int] | None = None) -> None:
        self.clear()
        idx = top_indices(probs)
        self.indices, self.values = idx, probs[idx]
        x = np.arange(len(idx))
        w = 0.4 if aer else 0.7
        color = NOISY if noisy else ACCENT
        self.addItem(pg.BarGraphItem(x=x - (0.2 if aer else 0), height=probs[idx], width=w, brush=color, pen=None))
        if aer:
            shots = max(1, sum(aer.values()))
            freq = [aer.get(format(int(i), f"0{width}b"), 0) / shots for i in idx]
            self.addItem(pg.BarGraphItem(x=x + 0.2, height=freq, width=w, brush=AER, pen=None))
        self.getAxis("bottom").setTicks([_labels(width, idx)])
        self.getAxis("bottom").setStyle(tickFont=_small_font(len(idx)))
        self.setYRange(0, max(1e-9, float(probs.max(initial=0))) * 1.1 if len(idx) else 1)
        self.setXRange(-0.6, len(idx) - 0.4, padding=0)


def _small_font(count: int) -> object:
    from PySide6.QtGui import QFont

    font = QFont()
    font.setPointSizeF(8 if count <= 16 else 6.5)
    return font


class AmplitudeView(pg.PlotWidget):
    """|amplitude| of each basis state, coloured by its phase."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(None)
        self.setTitle("Statevector (colour = phase)", size="10pt")
        self.showGrid(y=True, alpha=0.25)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)

    def show_amplitudes(self, amplitudes: np.ndarray | None, n: int, noisy: bool = False) -> None:
        self.clear()
        if amplitudes is None:
            self.setTitle("Statevector: too many qubits to draw", size="10pt")
            return
        title = "Ideal statevector (noisy: see ρ)" if noisy else "Statevector (colour = phase)"
        self.setTitle(title, size="10pt")
        mags = np.abs(amplitudes)
        idx = top_indices(mags)
        brushes = [phase_color(float(np.angle(amplitudes[i]))) if mags[i] > 1e-9 else QColor("#c6c6c6") for i in idx]
        self.addItem(pg.BarGraphItem(x=np.arange(len(idx)), height=mags[idx], width=0.7, brushes=brushes, pen=None))
        self.getAxis("bottom").setTicks([_labels(n, idx)])
        self.getAxis("bottom").setStyle(tickFont=_small_font(len(idx)))
        self.setYRange(0, 1.05)
        self.setXRange(-0.6, len(idx) - 0.4, padding=0)


class BlochView(QWidget):
    """One Bloch sphere per qubit (x to the right, z up, y drawn in perspective); the arrow's length is purity."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vectors = np.zeros((0, 3))
        self.setMinimumHeight(120)

    def show_vectors(self, vectors: np.ndarray) -> None:
        self.vectors = np.asarray(vectors, dtype=float)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fg = self.palette().text().color()
        n = len(self.vectors)
        if n == 0:
            return
        # As many per row as fit with room for the labels; spheres shrink to fit the height.
        best = (1, 0.0)
        for per_row in range(1, n + 1):
            rows = math.ceil(n / per_row)
            cell = min(self.width() / per_row, self.height() / rows - 18)
            if cell > best[1]:
                best = (per_row, cell)
        per_row, size = best
        size = max(size, 20.0)
        r = min(size * 0.4, 60.0)
        offset_x = (self.width() - per_row * size) / 2
        for q, (x, y, z) in enumerate(self.vectors):
            cx = offset_x + (q % per_row + 0.5) * size
            cy = (q // per_row) * (size + 18) + size / 2 + 14
            sphere = QColor(fg)
            sphere.setAlpha(70)
            p.setPen(QPen(sphere, 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(cx, cy), r, r)
            p.drawEllipse(QRectF(cx - r, cy - r * 0.3, 2 * r, r * 0.6))
            p.drawLine(QPointF(cx, cy - r), QPointF(cx, cy + r))
            end = QPointF(cx + r * (x - 0.35 * y), cy - r * (z - 0.3 * y))
            pen = QPen(QColor(ACCENT), 2.6)
            p.setPen(pen)
            p.drawLine(QPointF(cx, cy), end)
            p.setBrush(QColor(ACCENT))
            p.drawEllipse(end, 3.5, 3.5)
            p.setPen(fg)
            p.drawText(QRectF(cx - size / 2, cy + r + 1, size, 16), Qt.AlignmentFlag.AlignCenter, f"q[{q}]")
        p.end()


class DensityView(pg.PlotWidget):
    """|rho_ij| as a heatmap (noisy runs of up to six qubits)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(None)
        self.setTitle("Density matrix |ρ|", size="10pt")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.getViewBox().invertY(True)
        self.getViewBox().setAspectLocked(True)

    def show_density(self, rho: np.ndarray | None) -> None:
        for axis in ("left", "bottom"):
            self.getAxis(axis).setVisible(rho is not None)
        if rho is None:
            self.image.clear()
            self.setTitle("Density matrix (noisy runs)", size="10pt")
            return
        self.setTitle(f"|ρ|, purity {np.real(np.trace(rho @ rho)):.3f}", size="10pt")
        self.image.setImage(np.abs(rho).T, levels=(0, max(1e-9, float(np.abs(rho).max()))))
        d = rho.shape[0]
        self.setXRange(0, d, padding=0.02)
        self.setYRange(0, d, padding=0.02)


class HistogramView(pg.PlotWidget):
    """Sampled shot counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(None)
        self.setTitle("Shots", size="10pt")
        self.setLabel("left", "counts")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.showGrid(y=True, alpha=0.25)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMinimumHeight(150)

    def show_counts(self, counts: dict[str, int] | None, width: int, noisy: bool) -> None:
        self.clear()
        if not counts:
            self.setTitle("Shots (set a count)", size="10pt")
            return
        keys = sorted(counts, key=lambda k: int(k, 2))
        if len(keys) > MAX_BARS:
            keys = sorted(sorted(keys, key=lambda k: -counts[k])[:MAX_BARS], key=lambda k: int(k, 2))
        self.setTitle(f"{sum(counts.values())} shots", size="10pt")
        self.addItem(pg.BarGraphItem(x=np.arange(len(keys)), height=[counts[k] for k in keys], width=0.7,
                                     brush=NOISY if noisy else ACCENT, pen=None))  # fmt: skip
        self.getAxis("bottom").setTicks([list(enumerate(keys))])
        self.getAxis("bottom").setStyle(tickFont=_small_font(len(keys)))
