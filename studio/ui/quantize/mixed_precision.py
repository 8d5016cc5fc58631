"""The "Mixed precision" box of the Quantize stage: scan bit widths, a size target, allocate bits.

Only widgets: the panel connects the buttons to its scan job and its undoable allocation.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class MixedPrecisionBox(QGroupBox):
    """``scan_button``, ``target_kib`` (the size target), ``allocate_button`` and an ``allocation_label``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Mixed precision", parent)
        self.scan_button = QPushButton("Scan bit widths")
        self.scan_button.setToolTip("Accuracy of the model with one layer at a time quantized to 8..2 bits")
        self.target_kib = QDoubleSpinBox()
        self.target_kib.setRange(0.1, 1e6)
        self.target_kib.setDecimals(1)
        self.target_kib.setSuffix(" KiB")
        self.target_kib.setValue(10.0)
        self.allocate_button = QPushButton("Allocate bits")
        self.allocate_button.setToolTip("Choose per-layer bits that fit the size target and lose the least accuracy")
        self.allocation_label = QLabel("Scan first, then allocate bits for a size target.")
        self.allocation_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.scan_button)
        row.addWidget(QLabel("Target"))
        row.addWidget(self.target_kib)
        row.addWidget(self.allocate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.allocation_label)
