"""The per-layer decision table: weights, MACs, the chosen sparsity (editable) and its predicted accuracy."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QDoubleSpinBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from studio.ui.format import human_count

COLUMNS = ("layer", "weights", "MACs", "sparsity %", "accuracy %")


class LayerDecisionTable(QTableWidget):
    """Signals: ``layerSelected(name)`` on row selection, ``sparsityEdited(name, fraction)`` from the spin box."""

    layerSelected = Signal(str)
    sparsityEdited = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(64)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.setAlternatingRowColors(True)
        self._names: list[str] = []
        self._spins: dict[str, QDoubleSpinBox] = {}
        self.itemSelectionChanged.connect(self._on_selection)

    def set_layers(self, costs: object | None, names: list[str]) -> None:
        """One row per layer (``names``), with weights and MACs from ``costs`` (ModelCosts or None)."""
        self.blockSignals(True)
        self.setRowCount(0)
        self._names = list(names)
        self._spins.clear()
        for row, name in enumerate(self._names):
            self.insertRow(row)
            cost = costs.layers.get(name) if costs is not None else None  # type: ignore[attr-defined]
            self.setItem(row, 0, QTableWidgetItem(name))
            for col, value in ((1, cost.params if cost else None), (2, cost.macs if cost else None)):
                item = QTableWidgetItem(human_count(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
            spin = QDoubleSpinBox(self)
            spin.setRange(0.0, 99.0)
            spin.setDecimals(0)
            spin.setSingleStep(5.0)
            spin.setSuffix(" %")
            spin.setFrame(False)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.valueChanged.connect(lambda v, n=name: self.sparsityEdited.emit(n, v / 100))
            self.setCellWidget(row, 3, spin)
            self._spins[name] = spin
            acc = QTableWidgetItem("–")
            acc.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, 4, acc)
        self.blockSignals(False)

    def show_values(self, sparsities: dict[str, float], accuracies: dict[str, float | None]) -> None:
        """Refresh the sparsity spin boxes and the predicted per-layer accuracy without emitting edits."""
        for row, name in enumerate(self._names):
            spin = self._spins[name]
            spin.blockSignals(True)
            spin.setValue(round(100 * sparsities.get(name, 0.0)))
            spin.blockSignals(False)
            acc = accuracies.get(name)
            self.item(row, 4).setText("–" if acc is None else f"{100 * acc:.2f}")

    def select_layer(self, name: str) -> None:
        """Select ``name``'s row without emitting ``layerSelected``."""
        if name in self._names:
            self.blockSignals(True)
            self.selectRow(self._names.index(name))
            self.blockSignals(False)

    def selected_layer(self) -> str | None:
        rows = self.selectionModel().selectedRows()
        return self._names[rows[0].row()] if rows else None

    def _on_selection(self) -> None:
        name = self.selected_layer()
        if name:
            self.layerSelected.emit(name)
