"""The gate palette: coloured tiles that the user drags onto the circuit grid (or double-clicks to append)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from plugins.quantum.circuit.gates import PALETTE, gate
from plugins.quantum.ui.style import GATE, family_color, family_text
from studio.core.events import EventEmitter

GATE_MIME = "application/x-tinyml-quantum-gate"


class GateTile(QLabel):
    """One draggable gate; the drag carries the gate name as :data:`GATE_MIME`."""

    def __init__(self, name: str, palette: GatePalette) -> None:
        super().__init__()
        spec = gate(name)
        self.name = name
        self._palette = palette
        self._press: QPoint | None = None
        self.setFixedSize(QSize(GATE + 4, GATE + 4))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setText(_tile_label(name))
        fill, text = family_color(spec.family).name(), family_text(spec.family).name()
        border = "2px dashed #8d8d8d" if name == "barrier" else "none"
        self.setStyleSheet(
            f"QLabel {{ background: {fill if name != 'barrier' else 'transparent'}; color: {text}; border: {border};"
            f" border-radius: 4px; font-weight: 600; font-size: 12px; }}"
        )
        self.setToolTip(f"{name.upper()}: {spec.description}. Drag onto the circuit, or double-click to append.")
        self.setObjectName(f"gate-{name}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or (event.position().toPoint() - self._press).manhattanLength() < 6:
            return
        drag = QDrag(self)
        mime = QMimeData()
        mime.setData(GATE_MIME, self.name.encode())
        drag.setMimeData(mime)
        pixmap = QPixmap(self.size())
        pixmap.fill(Qt.GlobalColor.transparent)
        self.render(pixmap)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(pixmap.width() // 2, pixmap.height() // 2))
        self._press = None
        drag.exec(Qt.DropAction.CopyAction)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._palette.appendRequested.emit(self.name)


def _tile_label(name: str) -> str:
    return {"measure": "M", "barrier": "┊", "cx": "CX", "cz": "CZ", "crx": "CRX", "swap": "SWAP", "ccx": "CCX",
            "cp": "CP", "rzz": "RZZ", "sx": "√X", "sdg": "S†", "tdg": "T†"}.get(name, name.upper())  # fmt: skip


class GatePalette(QWidget):
    """Tiles of :data:`~plugins.quantum.circuit.gates.PALETTE`; ``appendRequested(name)`` on double-click."""

    def __init__(self, parent: QWidget | None = None, columns: int = 4) -> None:
        super().__init__(parent)
        self.appendRequested = EventEmitter("palette.append")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel("Gates")
        title.setStyleSheet("font-weight: 600;")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.tiles: dict[str, GateTile] = {}
        for k, name in enumerate(PALETTE):
            tile = GateTile(name, self)
            self.tiles[name] = tile
            grid.addWidget(tile, k // columns, k % columns)
        layout.addLayout(grid)
        layout.addStretch(1)
