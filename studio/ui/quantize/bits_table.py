"""The per-layer table of the Quantize stage: size, bits (editable), method, bytes and SQNR of each layer.

Editing a layer's bits emits ``bitsEdited(layer, bits)``; the panel turns it into an undoable command, then
calls :meth:`LayerBitsTable.show_rows` with the planned bits. Selecting a row emits ``layerSelected``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from studio.ui.format import human_bytes, human_count
from studio.ui.quantize.rows import FLOAT_BITS, LayerRow

BIT_CHOICES = ("32 (float)", "8", "7", "6", "5", "4", "3", "2")
COLUMNS = ("Layer", "Kind", "Weights", "Bits", "Now", "Stored", "Weight SQNR", "Output SQNR")


def bits_text(bits: int) -> str:
    """The combo text for ``bits``."""
    return BIT_CHOICES[0] if bits >= FLOAT_BITS else str(bits)


def _sqnr_text(value: float | None) -> str:
    if value is None:
        return "–"
    return "∞" if value == float("inf") else f"{value:.1f} dB"


class LayerBitsTable(QTableWidget):
    """One row per quantizable layer; the "Bits" column holds a combo box per row."""

    bitsEdited = Signal(str, int)
    layerSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(3, 104)
        self.verticalHeader().setDefaultSectionSize(30)
        self.rows: list[LayerRow] = []
        self._filling = False
        self.itemSelectionChanged.connect(self._on_selection)

    def show_rows(self, rows: list[LayerRow], planned: dict[str, int]) -> None:
        """Fill the table; ``planned`` holds the bits each layer will get on "Quantize"."""
        selected = self.selected_layer()
        self._filling = True
        self.rows = list(rows)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            now = "float" if row.bits >= FLOAT_BITS else f"{row.bits}-bit {row.method}"
            cells = (row.layer, row.kind, human_count(row.params), "", now, human_bytes(row.bytes),
                     _sqnr_text(row.weight_sqnr_db), _sqnr_text(row.output_sqnr_db))  # fmt: skip
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
            combo = self.cellWidget(r, 3)
            if not isinstance(combo, QComboBox):  # reuse the row's combo: replacing it flickers
                combo = QComboBox()
                combo.addItems(list(BIT_CHOICES))
                combo.currentTextChanged.connect(lambda text, index=r: self._on_bits(index, text))
                self.setCellWidget(r, 3, combo)
            combo.setCurrentText(bits_text(planned.get(row.layer, 8)))
        self._filling = False
        if selected:
            self.select_layer(selected)
        elif rows:
            self.selectRow(0)

    def _on_bits(self, index: int, text: str) -> None:
        if not self._filling and index < len(self.rows):
            self.bitsEdited.emit(self.rows[index].layer, FLOAT_BITS if text == BIT_CHOICES[0] else int(text))

    def set_bits(self, layer: str, bits: int) -> None:
        """Show ``bits`` for ``layer`` without emitting ``bitsEdited``."""
        for r, row in enumerate(self.rows):
            if row.layer == layer:
                combo = self.cellWidget(r, 3)
                self._filling = True
                combo.setCurrentText(bits_text(bits))  # type: ignore[attr-defined]
                self._filling = False

    def selected_layer(self) -> str | None:
        """The selected layer's name, if any."""
        items = self.selectedItems()
        return self.rows[items[0].row()].layer if items and items[0].row() < len(self.rows) else None

    def select_layer(self, name: str) -> None:
        """Select ``name``'s row (no-op for unknown names)."""
        for r, row in enumerate(self.rows):
            if row.layer == name:
                self.selectRow(r)

    def _on_selection(self) -> None:
        name = self.selected_layer()
        if name and not self._filling:
            self.layerSelected.emit(name)
