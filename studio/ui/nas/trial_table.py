"""The trial table: one row per evaluated candidate, sortable by any column, like Edge Impulse's EON Tuner.

Why a model/view pair: a search adds rows while it runs; the model appends without resetting, so the
user's sort order and selection survive, and a thousand rows cost nothing to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from studio.optimize.nas.boards import latency_boards
from studio.ui.jobs.signal_emit import emit_signal

_Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    """A column: header, how to get its sort value from a trial dict, and how to show it."""

    title: str
    value: Any
    text: Any
    tip: str = ""


def _kb(n: Any) -> str:
    return "" if n is None else f"{n / 1024:.1f}"


def _board_ms(trial: dict[str, Any], board: Any) -> float:
    """The estimate the worker stored, or (a run from before the board was registered) one from the MACs."""
    stored = (trial.get("board_latency") or {}).get(board.id)
    return float(stored) if stored is not None else float(board.latency_ms(trial["macs"]) or 0.0)


def _columns() -> list[Column]:
    cols = [
        Column("#", lambda t: t["index"], lambda t: str(t["index"] + 1), "trial number"),
        Column(
            "Accuracy %",
            lambda t: t["accuracy"],
            lambda t: f"{100 * t['accuracy']:.1f}",
            "validation accuracy with the supernet's weights (batch norm recalibrated)",
        ),
        Column("MMACs", lambda t: t["macs"], lambda t: f"{t['macs'] / 1e6:.2f}", "multiply-accumulates per image"),
        Column("Params k", lambda t: t["params"], lambda t: f"{t['params'] / 1e3:.1f}", "trainable parameters"),
        Column(
            "Flash KB",
            lambda t: t["flash_bytes"],
            lambda t: _kb(t["flash_bytes"]),
            "the int8 model's constants as deploy stores them (weights, biases, requantization)",
        ),
        Column(
            "SRAM KB",
            lambda t: t["peak_sram_bytes"],
            lambda t: _kb(t["peak_sram_bytes"]),
            "peak SRAM: the arena deploy's memory planner places (int8, in-place layers, input and output included)",
        ),
        Column(
            "CPU ms",
            lambda t: t.get("latency_ms") or 0.0,
            lambda t: "" if t.get("latency_ms") is None else f"{t['latency_ms']:.2f}",
            "latency on this CPU from the measured lookup table",
        ),
    ]
    for board in latency_boards():
        cols.append(
            Column(
                f"{board.short_name} ms",
                lambda t, b=board: _board_ms(t, b),
                lambda t, b=board: f"{_board_ms(t, b):.1f}",
                f"estimated latency on {board.name} at the {board.clock_mhz:g} MHz deploy runs it at "
                f"({board.cycles_per_mac:g} cycles per MAC on {board.board.core}); arena budget "
                f"{board.sram_budget_bytes / 1024:.0f} KB SRAM, {board.flash_budget_bytes / 1024:.0f} KB flash",
            )
        )
    cols.append(Column("Origin", lambda t: t.get("origin", ""), lambda t: t.get("origin", "")))
    cols.append(Column("Architecture", lambda t: t["key"], lambda t: t["key"], "resolution, width, then k/e per block"))
    return cols


class TrialTableModel(QAbstractTableModel):
    """Trials as rows; :meth:`add_trials` appends, :meth:`set_trials` replaces; Pareto rows are bold."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = _columns()
        self.trials: list[dict[str, Any]] = []
        self.pareto: set[int] = set()
        self.selected: int | None = None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.trials)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        trial = self.trials[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(trial)
        if role == SORT_ROLE:
            return column.value(trial)
        if role == Qt.ItemDataRole.UserRole:
            return trial["index"]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            left = column.title in ("Architecture", "Origin")
            return int(
                Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight)
            )
        if role == Qt.ItemDataRole.FontRole and trial["index"] in self.pareto:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column.title == "Accuracy %" and trial["index"] in self.pareto:
            return QBrush(QColor("#2563eb"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "on the Pareto front" if trial["index"] in self.pareto else None
        return None

    def set_trials(self, trials: list[dict[str, Any]], pareto: set[int]) -> None:
        self.beginResetModel()
        self.trials = list(trials)
        self.pareto = set(pareto)
        self.endResetModel()

    def add_trials(self, trials: list[dict[str, Any]], pareto: set[int]) -> None:
        known = {t["index"] for t in self.trials}
        new = [t for t in trials if t["index"] not in known]
        if new:
            self.beginInsertRows(QModelIndex(), len(self.trials), len(self.trials) + len(new) - 1)
            self.trials.extend(new)
            self.endInsertRows()
        if pareto != self.pareto:
            self.pareto = set(pareto)
            if self.trials:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.trials) - 1, len(self.columns) - 1))

    def trial(self, trial_index: int) -> dict[str, Any] | None:
        return next((t for t in self.trials if t["index"] == trial_index), None)


class TrialTable(QTableView):
    """The sortable view; ``trialSelected(trial_index)`` when the user picks a row."""

    trialSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trial_model = TrialTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.trial_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        # Interactive, sized once when rows first arrive: ResizeToContents would measure every row on every update.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.resizeColumnsToContents()  # the headers fit before the first trial (no rows yet: cheap)
        self._sized = False
        self.trial_model.rowsInserted.connect(self._size_once)
        self.trial_model.modelReset.connect(self._size_once)
        self.selectionModel().selectionChanged.connect(self._on_selection)

    def _size_once(self, *_args: Any) -> None:
        if not self._sized and self.trial_model.rowCount():
            self.resizeColumnsToContents()
            self._sized = True

    def _on_selection(self, *_args: Any) -> None:
        rows = self.selectionModel().selectedRows()
        if rows:
            trial_index = int(rows[0].data(Qt.ItemDataRole.UserRole))
            if trial_index != self.trial_model.selected:
                self.trial_model.selected = trial_index
                emit_signal(self, "trialSelected", trial_index)

    def select_trial(self, trial_index: int) -> None:
        """Select (and scroll to) the row of ``trial_index``."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if int(index.data(Qt.ItemDataRole.UserRole)) == trial_index:
                self.selectRow(row)
                self.scrollTo(index)
                return
