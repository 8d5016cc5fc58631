"""The OpenQASM editor: kept in sync with the grid both ways; a typing error is underlined at its line.

Edits are read 250 ms after the last keystroke; a text that does not parse leaves the circuit as it was and
shows the reader's one-line message with the line highlighted, never an exception.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.qasm.lexer import QasmError
from plugins.quantum.qasm.reader import read_qasm
from plugins.quantum.qasm.writer import write_qasm3
from studio.core.events import EventEmitter

DEBOUNCE_MS = 250


class QasmEditor(QWidget):
    """``circuitParsed(circuit)`` when the user's text reads; ``errorShown(line, message)`` when it does not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.circuitParsed = EventEmitter("qasm.parsed")
        self.errorShown = EventEmitter("qasm.error")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("OpenQASM 3")
        title.setStyleSheet("font-weight: 600;")
        layout.addWidget(title)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("qasm-text")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(9.5)
        self.text.setFont(font)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("qasm-status")
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.parse_now)
        self._updating = False
        self.error: QasmError | None = None
        self.text.textChanged.connect(self._on_text_changed)

    def show_circuit(self, circuit: Circuit) -> None:
        """Replace the text with the circuit's QASM (the grid changed)."""
        self._updating = True
        try:
            self.text.setPlainText(write_qasm3(circuit))
        finally:
            self._updating = False
        self._set_error(None)

    def _on_text_changed(self) -> None:
        if not self._updating:
            self._timer.start()

    def parse_now(self) -> Circuit | None:
        """Read the text now; returns the circuit, or None (and shows the error) when it does not read."""
        self._timer.stop()
        try:
            circuit = read_qasm(self.text.toPlainText()).circuit
        except QasmError as exc:
            self._set_error(exc)
            self.errorShown.emit(exc.line, str(exc))
            return None
        self._set_error(None)
        self.circuitParsed.emit(circuit)
        return circuit

    def _set_error(self, error: QasmError | None) -> None:
        self.error = error
        selections = []
        if error is not None and error.line:
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(QColor(250, 77, 86, 60))
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            block = self.text.document().findBlockByLineNumber(error.line - 1)
            cursor = QTextCursor(block)
            sel.cursor = cursor
            selections.append(sel)
        self.text.setExtraSelections(selections)
        self.status.setText("" if error is None else f"⚠ {error}")
        self.status.setStyleSheet("color: #da1e28;" if error else "")
