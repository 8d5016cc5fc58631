"""Qt item model over a :class:`studio.analysis.profile.ModelProfile`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from studio.ui.format import human_bytes, human_count, shape_text

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SHARE_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    """One table column: how to read the raw value and how to show it."""

    title: str
    value: Callable[[Any], Any]
    text: Callable[[Any], str]
    numeric: bool = False
    tip: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("Layer", lambda layer: layer.name, str, tip="node name (torch module path when the model came from torch)"),
    Column("Op", lambda layer: layer.op, str),
    Column("Output", lambda layer: layer.output_shape, shape_text, tip="output tensor shape, batch first"),
    Column("Params", lambda layer: layer.params, human_count, True, "weights, biases and norm statistics"),
    Column("MACs", lambda layer: layer.macs, human_count, True, "multiply-accumulates for one input"),
    Column("Weights", lambda layer: layer.weight_bytes, human_bytes, True, "bytes of constants as stored"),
    Column("Activation", lambda layer: layer.activation_bytes, human_bytes, True, "bytes of the output tensor"),
    Column(
        "Latency",
        lambda layer: layer.latency_ms,
        lambda v: "–" if v is None else f"{v:.3f} ms",
        True,
        "measured on this CPU (Model > Measure latency)",
    ),
)
COLUMN_INDEX = {c.title: i for i, c in enumerate(COLUMNS)}
SHARE_COLUMNS = {COLUMN_INDEX["MACs"], COLUMN_INDEX["Params"], COLUMN_INDEX["Latency"]}


class LayerTableModel(QAbstractTableModel):
    """Rows are layers in execution order; ``SHARE_ROLE`` gives a value's fraction of the column's total."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._layers: list[Any] = []
        self._totals: dict[int, float] = {}
        self._row_of: dict[str, int] = {}

    def set_profile(self, profile: Any | None) -> None:
        """Show ``profile`` (or nothing)."""
        self.beginResetModel()
        self._layers = list(profile.layers) if profile is not None else []
        self._row_of = {layer.name: i for i, layer in enumerate(self._layers)}
        self._totals = {}
        for col in SHARE_COLUMNS:
            vals = [COLUMNS[col].value(layer) or 0 for layer in self._layers]
            self._totals[col] = float(sum(vals))
        self.endResetModel()

    def layer_at(self, row: int) -> Any:
        """The profile row object at ``row``."""
        return self._layers[row]

    def row_of(self, name: str) -> int | None:
        """Row of the layer called ``name``, or ``None``."""
        return self._row_of.get(name)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._layers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = COLUMNS[index.column()]
        layer = self._layers[index.row()]
        value = col.value(layer)
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(value)
        if role == SORT_ROLE:
            if col.numeric:
                return -1.0 if value is None else float(value)
            return index.row() if index.column() == 0 else str(value)
        if role == SHARE_ROLE:
            total = self._totals.get(index.column())
            return float(value) / total if total and value else 0.0
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == 0 and getattr(layer, "module", None):
                return f"{layer.name}\nmodule: {layer.module}"
            if col.numeric and value is not None and index.column() in SHARE_COLUMNS:
                share = self.data(index, SHARE_ROLE)
                return f"{col.text(value)} ({100 * share:.1f}% of the model)"
        return None
