"""Colours and sizes shared by the quantum views (IBM Carbon-like hues, readable on light and dark themes)."""

from __future__ import annotations

from PySide6.QtGui import QColor

#: Fill and text colour per gate family (see GateSpec.family).
FAMILY_COLORS: dict[str, tuple[str, str]] = {
    "clifford": ("#fa4d56", "#ffffff"),  # H, SX
    "pauli": ("#0043ce", "#ffffff"),  # X, Y, Z, I
    "phase": ("#33b1ff", "#0b1f33"),  # S, T, P
    "rotation": ("#a56eff", "#ffffff"),  # RX, RY, RZ, U
    "multi": ("#0043ce", "#ffffff"),  # controlled and two-qubit gates
    "measure": ("#6f6f6f", "#ffffff"),
    "barrier": ("#a8a8a8", "#161616"),
}
ACCENT = "#0f62fe"
NOISY = "#ff832b"
AER = "#24a148"

CELL_W = 58
CELL_H = 54
GATE = 40
LEFT = 70
TOP = 14


def family_color(family: str) -> QColor:
    return QColor(FAMILY_COLORS.get(family, ("#8d8d8d", "#fff"))[0])


def family_text(family: str) -> QColor:
    return QColor(FAMILY_COLORS.get(family, ("#8d8d8d", "#fff"))[1])


def phase_color(phase: float) -> QColor:
    """A hue for a complex phase in (-pi, pi] (as Composer colours amplitudes)."""
    import math

    hue = ((phase % (2 * math.pi)) / (2 * math.pi)) * 359
    return QColor.fromHsv(int(hue), 200, 230)
