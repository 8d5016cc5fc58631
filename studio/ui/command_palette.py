"""Ctrl+Shift+P: type to find any action by title and run it, with its shortcut shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


class CommandPalette(QDialog):
    """A filter box over every enabled QAction of the window; Enter triggers the highlighted one."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Command palette")
        self.resize(520, 360)
        self._actions = actions
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Type a command…")
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.edit.textChanged.connect(self._refill)
        self.edit.returnPressed.connect(self._run_current)
        self.list.itemActivated.connect(lambda _item: self._run_current())
        self._refill("")

    def _refill(self, text: str) -> None:
        needle = text.strip().lower()
        self.list.clear()
        for action in self._actions:
            title = action.text().replace("&", "")
            if needle and needle not in title.lower():
                continue
            shortcut = action.shortcut().toString()
            item = QListWidgetItem(f"{title}    {shortcut}" if shortcut else title)
            item.setData(Qt.ItemDataRole.UserRole, action)
            item.setFlags(item.flags() if action.isEnabled() else Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        for row in range(self.list.count()):
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                break

    def _run_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        action: QAction = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
        if action.isEnabled():
            action.trigger()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.list.keyPressEvent(event)
            return
        super().keyPressEvent(event)
