"""The layer table widget: filter box, sortable columns, share bars, selection in sync with the graph."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.ui.layers.model import COLUMN_INDEX, COLUMNS, SHARE_COLUMNS, SHARE_ROLE, SORT_ROLE, LayerTableModel
from studio.ui.theme import current_colors


class ShareBarDelegate(QStyledItemDelegate):
    """Draws a bar behind a number showing its share of the column total: the costly layers jump out."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        share = float(index.data(SHARE_ROLE) or 0.0)
        if share > 0:
            rect: QRect = option.rect.adjusted(2, 3, -2, -3)  # type: ignore[attr-defined]
            rect.setWidth(max(1, int(rect.width() * min(share, 1.0))))
            painter.save()
            color = QColor(current_colors().bar)
            color.setAlpha(150)
            painter.fillRect(rect, color)
            painter.restore()
        super().paint(painter, option, index)


class LayerFilterProxy(QSortFilterProxyModel):
    """Matches the filter text against name, op and output shape; sorts numbers as numbers."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._needle = ""

    def set_needle(self, text: str) -> None:
        """Filter rows to those containing ``text``."""
        self._needle = text.strip().lower()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._needle:
            return True
        model = self.sourceModel()
        for col in (COLUMN_INDEX["Layer"], COLUMN_INDEX["Op"], COLUMN_INDEX["Output"]):
            text = str(model.index(row, col, parent).data() or "").lower()
            if self._needle in text:
                return True
        return False


class LayerTable(QWidget):
    """Filter box plus table. Emits ``layerSelected(name)`` when the user picks a row."""

    layerSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LayerTableModel(self)
        self.proxy = LayerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter layers by name, op or shape…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_needle)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COLUMN_INDEX["Layer"], Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, 170 if i == 0 else (90 if col.numeric else 110))
        delegate = ShareBarDelegate(self.view)
        for col in SHARE_COLUMNS:
            self.view.setItemDelegateForColumn(col, delegate)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self._syncing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view)

    def set_profile(self, profile: Any | None) -> None:
        """Show a model's profile (or clear the table)."""
        self.model.set_profile(profile)

    def select_layer(self, name: str) -> bool:
        """Select and reveal ``name`` without emitting ``layerSelected``; False if it is not a row (filtered)."""
        row = self.model.row_of(name)
        if row is None:
            return False
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not proxy_index.isValid():
            return False
        self._syncing = True
        try:
            self.view.selectRow(proxy_index.row())
            self.view.setCurrentIndex(proxy_index)
            self.view.scrollTo(proxy_index, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._syncing = False
        return True

    def selected_layer(self) -> str | None:
        """Name of the selected layer, if any."""
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.layer_at(self.proxy.mapToSource(index).row()).name

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        self.layerSelected.emit(self.model.layer_at(self.proxy.mapToSource(current).row()).name)
