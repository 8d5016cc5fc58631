"""Before/after comparison of the Quantize stage: accuracy and stored weight bytes of the float model and of
the current quantized version, plus the size the table's bits would give."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from studio.ui.format import human_bytes
from studio.ui.theme import current_colors


class BeforeAfterCard(QFrame):
    """Three lines: accuracy before -> after (difference in points), size before -> after (ratio), planned."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("beforeAfterCard")
        colors = current_colors()
        border = f"border: 1px solid {colors.alt_base}; border-radius: 6px;"
        self.setStyleSheet(f"#beforeAfterCard {{ background: {colors.base}; {border} }}")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(14)
        heading = QLabel("<b>Before → after</b>")
        grid.addWidget(heading, 0, 0, 1, 3)
        self.labels: dict[str, QLabel] = {}
        for row, key in enumerate(("accuracy", "size", "planned", "note"), start=1):
            name = QLabel({"accuracy": "Accuracy", "size": "Weights", "planned": "Planned", "note": ""}[key])
            name.setStyleSheet(f"color: {colors.muted};")
            value = QLabel("–")
            value.setObjectName(f"card_{key}")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.labels[key] = value
        grid.setColumnStretch(1, 1)

    def show_report(self, report: dict[str, Any] | None, float_bytes: int) -> None:
        """Fill accuracy and size from a quantization report, or show the float model's size alone."""
        colors = current_colors()
        if not report:
            self.labels["accuracy"].setText("float model (quantize to compare)")
            self.labels["size"].setText(human_bytes(float_bytes))
            self.labels["note"].setText("")
            return
        before, after = 100 * report["accuracy_before"], 100 * report["accuracy_after"]
        delta = after - before
        tint = colors.error if delta < -1.0 else colors.text
        self.labels["accuracy"].setText(
            f"{before:.2f}% → <b>{after:.2f}%</b> <span style='color:{tint}'>({delta:+.2f} pt)</span>"
        )
        ratio = report["size_before"] / max(report["size_after"], 1)
        self.labels["size"].setText(
            f"{human_bytes(report['size_before'])} → <b>{human_bytes(report['size_after'])}</b> ({ratio:.1f}× smaller)"
        )
        self.labels["note"].setText(report.get("description", ""))

    def show_planned(self, planned_bytes: int, float_bytes: int) -> None:
        """The stored size the table's bits would give."""
        ratio = float_bytes / max(planned_bytes, 1)
        self.labels["planned"].setText(f"{human_bytes(planned_bytes)} ({ratio:.1f}× smaller than float)")
