"""What the centre shows before a model is open: the ways to open one, and recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Open buttons, a drop hint and the recent-files list; emits what the user picked."""

    openModelRequested = Signal()
    openDemoRequested = Signal()
    openPathRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(
            "<h1>TinyML Studio</h1>"
            "<p>Open a neural network to see its graph and what every layer costs.</p>"
            "<p style='color:gray'>ONNX · torch.export (.pt2) · TorchScript · state_dict + zoo"
            " architecture · Python file with an nn.Module. Or drop a file anywhere on this window.</p>"
        )
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        open_button = QPushButton("Open model…")
        open_button.clicked.connect(self.openModelRequested)
        demo_button = QPushButton("Open the demo (CNN on digits)")
        demo_button.clicked.connect(self.openDemoRequested)
        self.recent = QListWidget()
        self.recent.setMaximumHeight(180)
        self.recent.itemActivated.connect(lambda item: self.openPathRequested.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.recent_label = QLabel("<b>Recent</b>")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        for button in (open_button, demo_button):
            button.setMinimumHeight(34)
            button.setMaximumWidth(320)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addWidget(self.recent_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.recent, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.recent.setMinimumWidth(480)

    def set_recent(self, paths: list[Path]) -> None:
        """Fill the recent list (hidden when empty)."""
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(f"{path.name}    —    {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_label.setVisible(bool(paths))
