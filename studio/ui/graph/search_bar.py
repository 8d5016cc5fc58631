"""The graph's search box: type to find nodes, Enter (Shift+Enter) steps through the matches, "3 of 12"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


class _SearchField(QLineEdit):
    """A line edit that reports Enter, Shift+Enter and Escape instead of swallowing them."""

    stepRequested = Signal(int)
    closeRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            back = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.stepRequested.emit(-1 if back else 1)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.closeRequested.emit()
            return
        super().keyPressEvent(event)


class SearchBar(QFrame):
    """Emits ``textChanged(text)`` as the user types and ``stepRequested(+1|-1)`` on Enter and the arrows."""

    textChanged = Signal(str)
    stepRequested = Signal(int)
    closeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphSearchBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.field = _SearchField(self)
        self.field.setPlaceholderText("Find node, op or module")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(200)
        self.count_label = QLabel("", self)
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance("888 matches") + 6)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        previous, following = QToolButton(self), QToolButton(self)
        previous.setArrowType(Qt.ArrowType.UpArrow)
        following.setArrowType(Qt.ArrowType.DownArrow)
        previous.setToolTip("Previous match (Shift+Enter)")
        following.setToolTip("Next match (Enter)")
        previous.setAutoRaise(True)
        following.setAutoRaise(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 4, 3)
        row.setSpacing(4)
        row.addWidget(self.field)
        row.addWidget(self.count_label)
        row.addWidget(previous)
        row.addWidget(following)
        self.field.textChanged.connect(self.textChanged)
        self.field.stepRequested.connect(self.stepRequested)
        self.field.closeRequested.connect(self.closeRequested)
        previous.clicked.connect(lambda: self.stepRequested.emit(-1))
        following.clicked.connect(lambda: self.stepRequested.emit(1))

    def show_count(self, current: int, total: int, searching: bool) -> None:
        """``"3 of 12"`` when on a match, ``"12 matches"`` before the first Enter, ``"no match"`` for none."""
        if not searching:
            self.count_label.setText("")
        elif total == 0:
            self.count_label.setText("no match")
        elif current < 0:
            self.count_label.setText(f"{total} match" + ("" if total == 1 else "es"))
        else:
            self.count_label.setText(f"{current + 1} of {total}")
