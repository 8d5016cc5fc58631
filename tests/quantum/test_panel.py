"""The Quantum stage through its widgets: drag gates onto the grid, QASM both ways, noise, Aer, device, QNN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx() -> Iterator[Any]:
    from studio.app import AppServices
    from studio.ui.job_results import JobResultRouter
    from studio.ui.jobs.bridge import QtJobBridge
    from studio.ui.stages.context import StageContext
    from studio.workflows.session import StudioSession

    services = AppServices()
    project = services.new_project()
    bridge = QtJobBridge(services.jobs)
    router = JobResultRouter(services.jobs, bridge)
    messages: list[str] = []
    context = StageContext(
        StudioSession(), services, router.submit, lambda: project, status=lambda m, _t=0: messages.append(m)
    )
    context.messages = messages  # type: ignore[attr-defined]
    context.keep = (bridge, router)  # type: ignore[attr-defined]
    yield context
    services.jobs.shutdown()


@pytest.fixture
def panel(qtbot: Any, ctx: Any) -> Iterator[Any]:
    from plugins.quantum.ui.panel import QuantumPanel

    widget = QuantumPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 850)
    widget.show()
    qtbot.waitUntil(lambda: widget.composer.live.ready.is_set(), timeout=60_000)
    yield widget
    widget.composer.live.shutdown()


def _drop(qtbot: Any, grid: Any, name: str, column: int, row: int) -> None:
    """A real drag-and-drop event sequence on the grid's viewport, as Qt delivers it."""
    from PySide6.QtCore import QMimeData, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from plugins.quantum.ui.grid import cell_center
    from plugins.quantum.ui.palette import GATE_MIME

    mime = QMimeData()
    mime.setData(GATE_MIME, name.encode())
    pos = grid.mapFromScene(cell_center(column, row))
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    QApplication.sendEvent(grid.viewport(), QDragEnterEvent(pos, action, mime, buttons, mods))
    QApplication.sendEvent(grid.viewport(), QDragMoveEvent(pos, action, mime, buttons, mods))
    QApplication.sendEvent(grid.viewport(), QDropEvent(QPointF(pos), action, mime, buttons, mods))


def test_dragging_h_and_cx_makes_a_bell_state_with_instant_probabilities(panel: Any, qtbot: Any) -> None:
    from plugins.quantum.circuit.model import Circuit

    composer = panel.composer
    composer.doc.load(Circuit(2), "Empty")
    _drop(qtbot, composer.grid, "h", 0, 0)
    _drop(qtbot, composer.grid, "cx", 1, 0)
    assert [(o.name, o.qubits) for o in composer.doc.circuit.operations] == [("h", (0,)), ("cx", (0, 1))]
    snap = composer.snapshot  # ideal small circuits are simulated synchronously, before the drop returns
    assert np.allclose(snap.probabilities, [0.5, 0, 0, 0.5], atol=1e-9)
    assert "cx q[0], q[1];" in composer.qasm.text.toPlainText()
    assert np.allclose(composer.prob_view.values, [0.5, 0, 0, 0.5])
    composer.step.setValue(0)  # the state after the H only
    assert np.allclose(composer.snapshot.probabilities, [0.5, 0.5, 0, 0], atol=1e-9)
    composer.step.setValue(composer.step.maximum())
    composer.undo_button.click()
    assert [o.name for o in composer.doc.circuit.operations] == ["h"]
    composer.redo_button.click()
    assert len(composer.doc.circuit.operations) == 2


def test_qasm_edits_update_the_grid_and_errors_show_the_line(panel: Any, qtbot: Any) -> None:
    composer = panel.composer
    ghz = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\nu(pi/2,0,pi) q[0];\ncx q[0],q[1];\ncx q[1],q[2];\n'
    composer.qasm.text.setPlainText(ghz)
    composer.qasm.parse_now()
    assert composer.doc.circuit.num_qubits == 3 and composer.grid.circuit == composer.doc.circuit
    assert np.allclose(composer.snapshot.probabilities[[0, 7]], [0.5, 0.5])
    before = composer.doc.circuit
    composer.qasm.text.setPlainText(ghz + "cx q[0],q[9];\n")
    assert composer.qasm.parse_now() is None
    assert composer.qasm.error.line == 7 and "line 7" in composer.qasm.status.text()
    assert composer.doc.circuit == before  # nothing lost
    assert len(composer.qasm.text.extraSelections()) == 1


def test_device_noise_verify_with_aer_and_transpiled_view(panel: Any, qtbot: Any) -> None:
    composer = panel.composer
    composer.noise.choose("FakeManilaV2")
    qtbot.waitUntil(lambda: composer.snapshot is not None and composer.snapshot.transpile is not None, timeout=60_000)
    snap = composer.snapshot
    assert snap.method == "density matrix" and 0.003 < snap.probabilities[1] < 0.2  # Bell: "01" only from noise
    assert snap.density is not None and sum(snap.counts.values()) == composer.shots.value()
    job = composer.verify_with_aer()
    qtbot.waitUntil(lambda: job.state.is_finished and hasattr(composer, "last_verification"), timeout=60_000)
    assert composer.last_verification["agrees"], composer.last_verification
    assert composer.prob_view.listDataItems() or composer.prob_view.items()
    view = panel.transpiled
    view.device.setCurrentText("FakeManilaV2")
    job = view.transpile()
    qtbot.waitUntil(lambda: view.report is not None, timeout=60_000)
    assert view.report.two_qubit_gates >= 1 and "SWAPs" in view.summary.text()
    assert view.grid.circuit.num_qubits == len(view.report.physical)


@pytest.mark.slow
def test_qnn_tab_trains_in_a_process_job_with_live_curves(panel: Any, qtbot: Any) -> None:
    from plugins.quantum.qnn.train import QnnTrainConfig

    view = panel.qnn
    config = QnnTrainConfig(num_classes=2, epochs=2, max_train=48, max_val=24, backend="FakeBelemV2", aer_shots=64,
                            noise_injection=True, normalize=True)  # fmt: skip
    job = view.start(compare=False, config=config)
    qtbot.waitUntil(lambda: job.state.is_finished, timeout=240_000)
    assert job.state.name == "SUCCEEDED", job.error
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    qtbot.waitUntil(lambda: len(view.curves.get(("noise-aware", "val_noisy"), [])) == 2, timeout=10_000)
    assert view.table.rowCount() == 1 and view.table.item(0, 3).text().endswith("%")
    view._show_circuit()
    assert panel.composer.doc.circuit.num_qubits == 4 and "w0" in panel.composer.doc.circuit.symbols


def test_ctrl_z_in_the_window_undoes_the_circuit_while_the_quantum_stage_is_shown(qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    from studio.app import AppServices
    from studio.core.commands import FunctionCommand
    from studio.ui.main_window import MainWindow

    services = AppServices()
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: any(s.id == "quantum" for s in win.stages), timeout=30_000)
        model_steps: list[str] = []
        win.session.undo_stack.push(FunctionCommand("Prune", lambda: None, lambda: model_steps.append("undone")))
        panel = win.show_stage("quantum")
        qtbot.waitUntil(lambda: panel.composer.live.ready.is_set(), timeout=60_000)
        doc = panel.composer.doc
        doc.add(doc.circuit.operations[0].moved(doc.circuit.num_columns))  # one more gate, as a drop would add
        count = len(doc.circuit.operations)
        undo = win.binder.actions["edit.undo"]
        assert undo.text() == f"Undo {doc.undo_stack.undo_text}" and undo.text() != "Undo Prune"
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5000)
        panel.composer.grid.setFocus()
        qtbot.keyClick(panel.composer.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert len(doc.circuit.operations) == count - 1 and model_steps == []  # the circuit, not the model
        win.binder.actions["edit.redo"].trigger()
        assert len(doc.circuit.operations) == count
        win.show_stage("model")
        assert undo.text() == "Undo Prune"
        panel.composer.live.shutdown()
    finally:
        win.close()
        services.jobs.shutdown()


def test_a_multi_seed_compare_shows_mean_sd_and_what_noise_cost_in_torch_and_on_aer(panel: Any) -> None:
    """The summary rows read the seeds' statistics (the shape compare_seeds_job returns), Aer's loss included."""

    def stat(mean: float, sd: float = 0.01) -> dict[str, Any]:
        return {"mean": mean, "sd": sd, "values": [mean]}

    run = {"run": "noise-aware", "weights": [0.0] * 16, "accuracy": {}}
    summary = {
        "plain": {"noise_free": stat(0.7), "noisy_torch": stat(0.55), "aer": stat(0.5),
                  "lost_noisy_torch": stat(0.15), "lost_aer": stat(0.2)},
        "noise_aware": {"noise_free": stat(0.75), "noisy_torch": stat(0.6), "aer": stat(0.62),
                        "lost_noisy_torch": stat(0.15), "lost_aer": stat(0.13)},
        "advantage": {"noise_free": stat(0.05), "noisy_torch": stat(0.05), "aer": stat(0.12)},
    }  # fmt: skip
    view = panel.qnn
    view._show_summary({"seeds": [0, 1, 2], "summary": summary, "runs": [{"noise_aware": run}]})
    cells = [[view.table.item(r, c).text() for c in range(5)] for r in range(3)]
    assert cells[0] == ["plain", "70.0 ± 1.0", "55.0 ± 1.0", "50.0 ± 1.0", "15.0 · 20.0 points"]
    assert cells[1][4] == "15.0 · 13.0 points" and cells[2][3] == "+12.0 ± 1.0" and cells[2][4] == ""
    assert "0, 1, 2" in view.status.text()
