"""The Quantum stage: the composer, the transpiled circuit on a device, and the QNN classifier.

``python -m plugins.quantum.ui.panel`` opens it on its own (``--screenshot PNG`` renders it and exits).
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from plugins.quantum.ui.composer import ComposerView
from plugins.quantum.ui.qnn_view import QnnTrainingView
from plugins.quantum.ui.transpile_view import TranspileView


class QuantumPanel(QWidget):
    """Three tabs over one :class:`~studio.ui.stages.context.StageContext`."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quantum-panel")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.composer = ComposerView(ctx, self)
        self.transpiled = TranspileView(ctx, lambda: self.composer.doc.circuit, self)
        self.qnn = QnnTrainingView(ctx, self)
        self.tabs.addTab(self.composer, "Composer")
        self.tabs.addTab(self.transpiled, "On a device")
        self.tabs.addTab(self.qnn, "QNN classifier")
        layout.addWidget(self.tabs)
        self.qnn.load_circuit.connect(self._show_in_composer)
        # In the window, Edit > Undo/Redo (Ctrl+Z, Ctrl+Shift+Z) act on the circuit while this stage is shown.
        ctx.offer_undo_stack(self, self.composer.doc.undo_stack)

    def _show_in_composer(self, circuit: Any) -> None:
        self.composer.doc.load(circuit, "QNN circuit")
        self.tabs.setCurrentWidget(self.composer)


def main(argv: list[str] | None = None) -> int:
    """Open the panel on the demo context (``--screenshot PNG`` saves a picture after the views settle)."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.ui.stages.context import standalone_context

    parser = argparse.ArgumentParser(prog="python -m plugins.quantum.ui.panel")
    parser.add_argument("--screenshot", metavar="PNG")
    parser.add_argument("--qasm", metavar="FILE", help="open this circuit")
    parser.add_argument("--noise", metavar="CHOICE", help="noise choice as listed in the panel")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)
    ctx = standalone_context("demo")
    panel = QuantumPanel(ctx)
    panel.resize(1500, 900)
    if args.qasm:
        from pathlib import Path

        panel.composer.open_file(Path(args.qasm))
    if args.noise:
        panel.composer.noise.choose(args.noise)
    panel.show()
    if args.screenshot:

        def shoot() -> None:
            if panel.composer.live.busy or not panel.composer.live.ready.is_set():
                QTimer.singleShot(200, shoot)
                return
            panel.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(800, shoot)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
