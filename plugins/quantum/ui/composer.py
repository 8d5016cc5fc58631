"""The composer tab: palette, circuit grid with step slider, OpenQASM editor, noise choice and the live views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from plugins.quantum.circuit.angle import format_angle
from plugins.quantum.circuit.document import CircuitDocument
from plugins.quantum.circuit.gates import gate
from plugins.quantum.circuit.model import Circuit, Operation, circuit_from_ops, make_op
from plugins.quantum.ui.grid import CircuitGrid
from plugins.quantum.ui.live_runner import LiveRunner
from plugins.quantum.ui.noise_picker import NoisePicker
from plugins.quantum.ui.palette import GatePalette
from plugins.quantum.ui.qasm_editor import QasmEditor
from plugins.quantum.ui.state_views import AmplitudeView, BlochView, DensityView, HistogramView, ProbabilityView
from studio.core.errors import StudioError

PRESETS: dict[str, Circuit] = {
    "Bell": circuit_from_ops(2, [make_op("h", [0]), make_op("cx", [0, 1])]),
    "GHZ": circuit_from_ops(3, [make_op("h", [0]), make_op("cx", [0, 1]), make_op("cx", [1, 2])]),
}


def _default_qubits(name: str, row: int, n: int) -> tuple[int, ...]:
    k = gate(name).num_qubits if name != "barrier" else n
    if name == "barrier":
        return tuple(range(n))
    start = min(row, max(0, n - k))
    return tuple(range(start, start + k))


class OperationDialog(QDialog):
    """Edit a gate's parameters (numbers, pi expressions or symbols such as ``theta``) and qubits."""

    def __init__(self, op: Operation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{op.name.upper()} gate")
        form = QFormLayout(self)
        self.params = QLineEdit(", ".join(format_angle(p) for p in op.params))
        self.params.setPlaceholderText("e.g. pi/2, theta, 2*theta + 0.1")
        self.qubits = QLineEdit(", ".join(str(q) for q in op.qubits))
        names = ", ".join(gate(op.name).param_names) or "none"
        form.addRow(f"Parameters ({names})", self.params)
        form.addRow("Qubits (controls first)", self.qubits)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ComposerView(QWidget):
    """The circuit editor with live re-simulation; ``doc`` holds the circuit and its undo stack."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.doc = CircuitDocument(PRESETS["Bell"].with_operations(PRESETS["Bell"].operations))
        self.snapshot: Any = None
        self.aer_counts: dict[str, int] | None = None
        self.live = LiveRunner(self._show_snapshot, self._show_error, self)
        self.destroyed.connect(lambda *_: self.live.shutdown())

        root = QVBoxLayout(self)
        root.addLayout(self._toolbar())
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.palette_view = GatePalette(self)
        split.addWidget(self.palette_view)
        middle = QSplitter(Qt.Orientation.Vertical, self)
        grid_box = QWidget()
        gl = QVBoxLayout(grid_box)
        gl.setContentsMargins(0, 0, 0, 0)
        self.grid = CircuitGrid(grid_box)
        gl.addWidget(self.grid, 1)
        step = QHBoxLayout()
        self.step_label = QLabel("State after: the whole circuit")
        self.step = QSlider(Qt.Orientation.Horizontal)
        self.step.setObjectName("step-slider")
        self.step.setToolTip("Inspect the state after any column")
        step.addWidget(QLabel("Step"))
        step.addWidget(self.step, 1)
        step.addWidget(self.step_label)
        gl.addLayout(step)
        middle.addWidget(grid_box)
        middle.addWidget(self._views())
        middle.setSizes([230, 450])
        split.addWidget(middle)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.qasm = QasmEditor(right)
        rl.addWidget(self.qasm, 1)
        self.noise = NoisePicker(right)
        rl.addWidget(QLabel("Noise"))
        rl.addWidget(self.noise)
        split.addWidget(right)
        split.setSizes([210, 900, 330])
        root.addWidget(split, 1)
        self._wire()
        self._on_changed(self.doc.circuit, "load")

    # --- building ------------------------------------------------------------------------------------------
    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        for name in PRESETS:
            b = QPushButton(name)
            b.setToolTip(f"Start from a {name} circuit")
            b.clicked.connect(lambda _=False, n=name: self.doc.load(PRESETS[n], f"{n} circuit"))
            bar.addWidget(b)
        self.open_button = QPushButton("Open QASM…")
        self.open_button.clicked.connect(self.choose_file)
        self.save_button = QPushButton("Save QASM…")
        self.save_button.clicked.connect(self.save_file)
        bar.addWidget(self.open_button)
        bar.addWidget(self.save_button)
        bar.addWidget(QLabel("Qubits"))
        self.qubits = QSpinBox()
        self.qubits.setRange(1, 10)
        self.qubits.setObjectName("qubit-count")
        bar.addWidget(self.qubits)
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.align_button = QPushButton("Align left")
        for b in (self.undo_button, self.redo_button, self.align_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(QLabel("Shots"))
        self.shots = QSpinBox()
        self.shots.setRange(0, 1_000_000)
        self.shots.setValue(1024)
        self.shots.setSingleStep(256)
        bar.addWidget(self.shots)
        self.verify_button = QPushButton("Verify with Aer")
        self.verify_button.setObjectName("verify-aer")
        self.verify_button.setToolTip("Run the same circuit and noise on qiskit-aer and compare within shot noise")
        bar.addWidget(self.verify_button)
        self.timing = QLabel("")
        self.timing.setObjectName("live-timing")
        self.timing.setMinimumWidth(220)
        bar.addWidget(self.timing)
        return bar

    def _views(self) -> QWidget:
        box = QWidget()
        g = QGridLayout(box)
        g.setContentsMargins(0, 0, 0, 0)
        self.prob_view = ProbabilityView()
        self.amp_view = AmplitudeView()
        self.bloch_view = BlochView()
        self.density_view = DensityView()
        self.hist_view = HistogramView()
        bloch_box = QWidget()
        bl = QVBoxLayout(bloch_box)
        bl.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Bloch vectors")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bl.addWidget(title)
        bl.addWidget(self.bloch_view, 1)
        self.symbols_box = QWidget()
        self.symbols_layout = QFormLayout(self.symbols_box)
        g.addWidget(self.prob_view, 0, 0)
        g.addWidget(self.amp_view, 0, 1)
        g.addWidget(bloch_box, 0, 2)
        g.addWidget(self.density_view, 1, 0)
        g.addWidget(self.hist_view, 1, 1)
        g.addWidget(self.symbols_box, 1, 2)
        from PySide6.QtWidgets import QSizePolicy

        for view in (self.prob_view, self.amp_view, self.density_view, self.hist_view, self.bloch_view):
            view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            view.setMinimumWidth(140)
        g.setColumnStretch(0, 3)
        g.setColumnStretch(1, 3)
        g.setColumnStretch(2, 2)
        return box

    def _wire(self) -> None:
        self.doc.changed.connect(self._on_changed)
        self.doc.undo_stack.changed.connect(self._refresh_buttons)
        self.grid.dropped.connect(self.drop_gate)
        self.grid.moved.connect(lambda op, col, row: self._try(lambda: self.doc.move(op, col, row)))
        self.grid.deleted.connect(lambda ops: self._try(lambda: self.doc.delete(ops)))
        self.grid.copied.connect(self.doc.copy)
        self.grid.pasteRequested.connect(lambda col: self._try(lambda: self.doc.paste(col)))
        self.grid.editRequested.connect(self.edit_operation)
        self.palette_view.appendRequested.connect(self.append_gate)
        self.qasm.circuitParsed.connect(lambda c: self._try(lambda: self.doc.replace_from_qasm(c)))
        self.qasm.errorShown.connect(lambda line, msg: self.ctx.status(msg))
        self.qubits.valueChanged.connect(self._set_qubits)
        self.undo_button.clicked.connect(self.doc.undo_stack.undo)
        self.redo_button.clicked.connect(self.doc.undo_stack.redo)
        self.align_button.clicked.connect(self.doc.compact)
        self.step.valueChanged.connect(self._on_step)
        self.noise.changed.connect(self.resimulate)
        self.shots.valueChanged.connect(lambda _v: self.resimulate())
        self.verify_button.clicked.connect(self.verify_with_aer)

    # --- edits ---------------------------------------------------------------------------------------------
    def _try(self, edit: Any) -> bool:
        try:
            edit()
        except StudioError as exc:
            self.ctx.status(str(exc))
            return False
        return True

    def drop_gate(self, name: str, column: int, row: int) -> bool:
        """A palette gate dropped on (column, row): controls on that row, further qubits below it."""
        spec = gate(name)
        params = ["pi/2"] * spec.num_params
        if name == "u":
            params = ["pi/2", "0", "pi"]
        op = Operation(name, _default_qubits(name, row, self.doc.circuit.num_qubits), tuple(params), column)  # type: ignore[arg-type]
        return self._try(lambda: self.doc.add(op))

    def append_gate(self, name: str) -> bool:
        return self.drop_gate(name, self.doc.circuit.num_columns, 0)

    def edit_operation(self, op: Operation) -> None:
        dialog = OperationDialog(op, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_operation_edit(op, dialog.params.text(), dialog.qubits.text())

    def apply_operation_edit(self, op: Operation, params_text: str, qubits_text: str) -> bool:
        from plugins.quantum.circuit.angle import parse_angle

        def edit() -> None:
            params = [parse_angle(t) for t in params_text.split(",")] if params_text.strip() else []
            try:
                qubits = tuple(int(t) for t in qubits_text.split(","))
            except ValueError:
                raise StudioError(f"qubits must be numbers separated by commas, got {qubits_text!r}") from None
            new = Operation(op.name, qubits, tuple(params), op.column, op.clbit)
            self.doc.edit(self.doc.circuit.replaced(op, new), f"Edit {op.name.upper()}")

        return self._try(edit)

    def _set_qubits(self, n: int) -> None:
        if n != self.doc.circuit.num_qubits and not self._try(lambda: self.doc.set_num_qubits(n)):
            self.qubits.blockSignals(True)
            self.qubits.setValue(self.doc.circuit.num_qubits)
            self.qubits.blockSignals(False)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open OpenQASM", "", "OpenQASM (*.qasm *.qasm3 *.txt);;All files (*)"
        )
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        from plugins.quantum.cli import read_circuit_file

        return self._try(lambda: self.doc.load(read_circuit_file(path), f"Open {path.name}"))

    def save_file(self) -> None:
        from plugins.quantum.qasm.writer import write_qasm3

        path, _ = QFileDialog.getSaveFileName(self, "Save OpenQASM 3", "circuit.qasm", "OpenQASM (*.qasm)")
        if path:
            Path(path).write_text(write_qasm3(self.doc.circuit), encoding="utf-8")

    # --- sync ----------------------------------------------------------------------------------------------
    def _on_changed(self, circuit: Circuit, origin: str) -> None:
        at_end = origin == "load" or self.step.value() >= self.step.maximum()
        self.grid.set_circuit(circuit)
        if origin != "qasm":
            self.qasm.show_circuit(circuit)
        self.qubits.blockSignals(True)
        self.qubits.setValue(circuit.num_qubits)
        self.qubits.blockSignals(False)
        self.step.blockSignals(True)
        self.step.setRange(-1, max(0, circuit.num_columns - 1))
        if at_end:
            self.step.setValue(self.step.maximum())
        self.step.blockSignals(False)
        self._label_step()
        self._rebuild_symbols(circuit)
        self.aer_counts = None
        self._refresh_buttons()
        self.resimulate()

    def _refresh_buttons(self) -> None:
        stack = self.doc.undo_stack
        self.undo_button.setEnabled(stack.can_undo)
        self.redo_button.setEnabled(stack.can_redo)
        self.undo_button.setToolTip(f"Undo {stack.undo_text}" if stack.can_undo else "Nothing to undo")
        self.redo_button.setToolTip(f"Redo {stack.redo_text}" if stack.can_redo else "Nothing to redo")

    def _rebuild_symbols(self, circuit: Circuit) -> None:
        while self.symbols_layout.rowCount():
            self.symbols_layout.removeRow(0)
        values = circuit.values()
        if not values:
            hint = QLabel(
                "Symbols: type a name such as theta as a gate parameter (double-click a gate) to get a slider."
            )
            hint.setWordWrap(True)
            self.symbols_layout.addRow(hint)
            return
        for name, value in values.items():
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-314, 314)
            slider.setValue(round(value * 100))
            slider.valueChanged.connect(lambda v, s=name: self.doc.set_value(s, v / 100))
            slider.sliderReleased.connect(self.doc.undo_stack.end_merge)
            self.symbols_layout.addRow(f"{name} = {value:.2f}", slider)

    def _label_step(self) -> None:
        value, last = self.step.value(), self.step.maximum()
        self.step_label.setText("State after: the whole circuit" if value >= last else f"State after column {value}")
        self.grid.set_highlight(None if value >= last else value)

    def _on_step(self, _value: int) -> None:
        self._label_step()
        self.resimulate()

    def step_column(self) -> int | None:
        return None if self.step.value() >= self.step.maximum() else self.step.value()

    def resimulate(self) -> None:
        self.timing.setText("simulating…")
        self.live.request(self.doc.circuit, self.noise.config(), self.step_column(), self.shots.value())

    def _show_error(self, message: str) -> None:
        self.timing.setText("⚠ " + message[:60])
        self.timing.setToolTip(message)
        self.ctx.status(message)

    def _show_snapshot(self, snap: Any) -> None:
        self.snapshot = snap
        noisy = snap.method != "statevector"
        self.prob_view.show_probabilities(snap.probabilities, snap.width, noisy, self.aer_counts)
        self.amp_view.show_amplitudes(snap.amplitudes, len(snap.bloch) if snap.amplitudes is None else
                                      int(np.log2(len(snap.amplitudes))), noisy)  # fmt: skip
        self.bloch_view.show_vectors(snap.bloch)
        self.density_view.show_density(snap.density)
        self.hist_view.show_counts(snap.counts, snap.width, noisy)
        where = f" · {snap.transpile['backend']}" if snap.transpile else ""
        self.timing.setText(f"{snap.method}{where} · {snap.elapsed_ms:.1f} ms")
        detail = f"device qubits {snap.transpile['device_qubits']}; " if snap.transpile else ""
        self.timing.setToolTip(f"{detail}simulated in {snap.elapsed_ms:.1f} ms, prepared in {snap.prepare_ms:.0f} ms")

    # --- Aer -----------------------------------------------------------------------------------------------
    def verify_with_aer(self) -> Any:
        from plugins.quantum.run import verify_with_aer_job
        from studio.core.jobs import JobSpec

        shots = self.shots.value() or 4096
        kwargs = {"circuit": self.doc.circuit, "noise": self.noise.config(), "shots": shots}
        self.verify_button.setEnabled(False)
        return self.ctx.submit(
            JobSpec("Verify with Aer", verify_with_aer_job, kwargs), self._on_verified, self._on_verify_failed
        )

    def _on_verified(self, result: dict[str, Any]) -> None:
        self.verify_button.setEnabled(True)
        self.aer_counts = result["counts"]
        verdict = "agrees" if result["agrees"] else "DISAGREES"
        detail = f"max {result['max_z']:.1f} standard errors, TVD {result['total_variation']:.4f}"
        self.ctx.status(f"Aer {verdict} within shot noise: {detail}")
        self.timing.setText(f"Aer {verdict} (max {result['max_z']:.1f}σ)")
        if self.snapshot is not None:
            noisy = self.snapshot.method != "statevector"
            self.prob_view.show_probabilities(self.snapshot.probabilities, self.snapshot.width, noisy, self.aer_counts)
        self.last_verification = result

    def _on_verify_failed(self, job: Any) -> None:
        self.verify_button.setEnabled(True)
        self.ctx.status(f"Verify with Aer failed: {job.error}")
