"""The Prune stage's controls: method, target, and the Scan / Allocate / Search / Apply / Fine-tune buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

METHODS = (("magnitude", "Fine-grained (magnitude)"), ("channel", "Channels (structured)"), ("2:4", "2:4 (N:M)"))
TARGETS = (
    ("sparsity", "overall sparsity", " %", 70.0, 0.0, 99.0),
    ("size", "weights at most", " KiB", 32.0, 0.1, 1e7),
    ("macs", "MACs at most", " k", 200.0, 0.1, 1e9),
    ("accuracy_drop", "accuracy drop at most", " pt", 1.0, 0.0, 100.0),
)


class PruneToolbar(QWidget):
    """Signals: ``methodChosen(method)`` and one per button."""

    methodChosen = Signal(str)
    scanRequested = Signal()
    allocateRequested = Signal()
    searchRequested = Signal()
    applyRequested = Signal()
    finetuneRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.method = QComboBox(self)
        for key, title in METHODS:
            self.method.addItem(title, key)
        self.method.setToolTip("How weights are removed when you press Apply")
        self.method.currentIndexChanged.connect(lambda _i: self.methodChosen.emit(self.method.currentData()))
        self.scan = QPushButton("Scan", self)
        self.scan.setToolTip("Sensitivity scan: prune each layer alone at every level and measure accuracy")
        self.grid = QSpinBox(self)
        self.grid.setRange(1, 50)
        self.grid.setValue(10)
        self.grid.setPrefix("every ")
        self.grid.setSuffix(" %")
        self.grid.setToolTip("Scan levels: 0 % up to below 100 % in this step (a finer grid takes longer)")
        self.target = QComboBox(self)
        for key, title, *_ in TARGETS:
            self.target.addItem(title, key)
        self.value = QDoubleSpinBox(self)
        self.value.setDecimals(1)
        self.target.currentIndexChanged.connect(self._on_target)
        self.allocate = QPushButton("Allocate", self)
        self.allocate.setToolTip("Per-layer sparsities for the target, read off the curves")
        self.search = QPushButton("Search…", self)
        self.search.setToolTip("Iterative NetAdapt-style search for the overall sparsity (a longer job)")
        self.apply = QPushButton("Apply", self)
        self.apply.setToolTip("Prune the model with these decisions (a new, undoable model version)")
        self.apply.setDefault(True)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 200)
        self.epochs.setValue(5)
        self.epochs.setSuffix(" epochs")
        self.finetune = QPushButton("Fine-tune", self)
        self.finetune.setToolTip("Train the current version a few epochs; pruned weights stay zero")
        for widget in (QLabel("Method"), self.method, self.scan, self.grid, _spacer(), QLabel("Target"), self.target):
            row.addWidget(widget)
        for widget in (self.value, self.allocate, self.search, _spacer(), self.apply, self.epochs, self.finetune):
            row.addWidget(widget)
        row.addStretch(1)
        self.scan.clicked.connect(self.scanRequested)
        self.allocate.clicked.connect(self.allocateRequested)
        self.search.clicked.connect(self.searchRequested)
        self.apply.clicked.connect(self.applyRequested)
        self.finetune.clicked.connect(self.finetuneRequested)
        self._on_target(0)

    def _on_target(self, index: int) -> None:
        _key, _title, suffix, default, low, high = TARGETS[index]
        self.value.setRange(low, high)
        self.value.setSuffix(suffix)
        self.value.setValue(default)

    def target_value(self) -> tuple[str, float]:
        """``(kind, value)`` in the units :class:`~studio.optimize.prune.allocate.AllocationTarget` takes."""
        kind = self.target.currentData()
        value = self.value.value()
        scale = {"sparsity": 0.01, "size": 1024.0, "macs": 1000.0, "accuracy_drop": 0.01}[kind]
        return kind, value * scale

    def levels(self) -> tuple[float, ...]:
        """The scan's levels: 0, step, 2 step, ... below 1 (the default step of 10 % gives 0 ... 0.9)."""
        step = int(self.grid.value())
        return tuple(round(v / 100, 4) for v in range(0, 100, step))

    def set_scanning(self, running: bool) -> None:
        """While a scan runs, the Scan button cancels it."""
        self.scan.setText("Cancel scan" if running else "Scan")
        self.scan.setToolTip(
            "Stop the running scan"
            if running
            else "Sensitivity scan: prune each layer alone at every level and measure accuracy"
        )
        self.grid.setEnabled(not running)

    def set_method(self, method: str) -> None:
        index = self.method.findData(method)
        if index >= 0 and index != self.method.currentIndex():
            self.method.blockSignals(True)
            self.method.setCurrentIndex(index)
            self.method.blockSignals(False)


def _spacer() -> QWidget:
    spacer = QWidget()
    spacer.setFixedWidth(14)
    return spacer
