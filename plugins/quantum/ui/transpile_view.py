"""The transpiled circuit on a fake device: its gates on the device qubits, SWAPs, 2-qubit gate count, depth."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from plugins.quantum.noise.backends import FEATURED_BACKENDS
from plugins.quantum.ui.grid import CircuitGrid


class TranspileView(QWidget):
    """``transpile(circuit)`` runs a thread job and shows the report; the grid is read-only."""

    def __init__(self, ctx: Any, circuit_source: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.circuit_source = circuit_source  # () -> Circuit (the composer's current circuit)
        self.report: Any = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Device"))
        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.addItems(list(FEATURED_BACKENDS))
        bar.addWidget(self.device)
        bar.addWidget(QLabel("Optimization level"))
        self.level = QSpinBox()
        self.level.setRange(0, 3)
        self.level.setValue(1)
        bar.addWidget(self.level)
        self.button = QPushButton("Transpile the composer's circuit")
        self.button.clicked.connect(lambda: self.transpile())
        bar.addWidget(self.button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.summary = QLabel("Pick a device and transpile: the circuit is mapped to its coupling map and basis gates.")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("transpile-summary")
        layout.addWidget(self.summary)
        self.grid = CircuitGrid(self, editable=False)
        layout.addWidget(self.grid, 1)

    def transpile(self, circuit: Any = None) -> Any:
        from plugins.quantum.run import transpile_job
        from studio.core.jobs import JobSpec

        kwargs = {"circuit": circuit or self.circuit_source(), "backend": self.device.currentText(),
                  "optimization_level": self.level.value()}  # fmt: skip
        self.button.setEnabled(False)
        self.summary.setText(f"Transpiling to {kwargs['backend']}…")
        return self.ctx.submit(
            JobSpec(f"Transpile to {kwargs['backend']}", transpile_job, kwargs), self.show_report, self._failed
        )

    def show_report(self, report: Any) -> None:
        self.button.setEnabled(True)
        self.report = report
        layout = ", ".join(f"q[{k}]→{v}" for k, v in report.initial_layout.items())
        ops = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
        self.summary.setText(
            f"<b>{report.backend}</b> · device qubits {list(report.physical)} (rows below, in that order) · "
            f"<b>{report.swaps}</b> SWAPs inserted · <b>{report.two_qubit_gates}</b> two-qubit gates "
            f"(was {report.original_two_qubit_gates}) · depth <b>{report.depth}</b> (was {report.original_depth})"
            f"<br>initial layout {layout}<br>gates: {ops}"
        )
        self.grid.set_circuit(report.circuit)

    def _failed(self, job: Any) -> None:
        self.button.setEnabled(True)
        self.summary.setText(f"Transpilation failed: {job.error}")
