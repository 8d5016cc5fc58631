"""The Quantize stage: table and planned size, undoable bit edits, quantize/scan jobs, histograms, the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot: Any) -> Iterator[Any]:
    from studio.ui.quantize.panel import QuantizePanel
    from studio.ui.stages.context import standalone_context

    ctx = standalone_context("demo")
    widget = QuantizePanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    ctx.services.jobs.shutdown()


def _combo(panel: Any, row: int) -> Any:
    return panel.table.cellWidget(row, 3)


def test_float_model_rows_and_planned_size(panel: Any) -> None:
    assert [r.layer for r in panel.rows] == ["conv1", "conv2", "conv3", "fc"]
    assert [_combo(panel, i).currentText() for i in range(4)] == ["8"] * 4
    assert "19.3 KiB" in panel.card.labels["planned"].text()  # 19,808 bytes at 8 bits per channel
    panel.forms["linear"].set_value("weight_bits", 4)
    assert [_combo(panel, i).currentText() for i in range(4)] == ["4"] * 4
    assert panel.params()["weight_bits"] == 4 and panel.params()["layer_bits"] == {}
    assert panel.weight_hist.shown["counts"] is None  # nothing measured yet: a hint instead


def test_bit_edits_are_undoable_commands(panel: Any) -> None:
    stack = panel.ctx.session.undo_stack
    before = panel.card.labels["planned"].text()
    _combo(panel, 2).setCurrentText("2")  # conv3: the largest layer
    assert panel.overrides == {"conv3": 2} and stack.undo_text == "Set conv3 to 2 bits"
    assert panel.params()["layer_bits"] == {"conv3": 2}
    assert panel.card.labels["planned"].text() != before
    panel.undo_button.click()
    assert panel.overrides == {} and _combo(panel, 2).currentText() == "8"
    assert panel.card.labels["planned"].text() == before
    panel.redo_button.click()
    assert panel.overrides == {"conv3": 2} and _combo(panel, 2).currentText() == "2"
    _combo(panel, 0).setCurrentText("32 (float)")
    assert panel.params()["layer_bits"] == {"conv3": 2, "conv1": 32}


def test_a_derived_result_fills_table_card_and_histograms(panel: Any) -> None:
    from studio.workflows.quantize import quantize_loaded

    session = panel.ctx.session
    result = quantize_loaded(session.opened.model, "digits", {"method": "kmeans", "bits": 3, "fine_tune_epochs": 0})
    panel._derive({"model": result.model, "step": result.step, "report": result.report})
    assert [r.method for r in panel.rows] == ["kmeans"] * 4
    assert panel.table.item(0, 4).text() == "3-bit kmeans"
    assert "→" in panel.card.labels["accuracy"].text() and "smaller" in panel.card.labels["size"].text()
    panel.table.select_layer("conv2")
    assert sum(panel.weight_hist.shown["counts"]) == 4608
    assert panel.weight_hist.shown["clip"][0] < 0 < panel.weight_hist.shown["clip"][1]
    assert panel.act_hist.shown["counts"] is None or sum(panel.act_hist.shown["counts"]) > 0
    assert not panel.qat_button.isEnabled()  # QAT needs linear layers
    session.undo_stack.undo()
    assert [r.method for r in panel.rows] == ["float"] * 4


@pytest.mark.slow
def test_quantize_and_scan_run_as_process_jobs(panel: Any, qtbot: Any) -> None:
    session = panel.ctx.session
    original = session.version
    panel.quantize_button.click()
    assert not panel.quantize_button.isEnabled()  # one run at a time
    qtbot.waitUntil(lambda: session.version is not original, timeout=120_000)
    assert session.version.steps[-1]["kind"] == "quantize"
    assert [r.bits for r in panel.rows] == [8, 8, 8, 8] and panel.rows[0].method == "linear"
    assert panel.rows[0].weight_sqnr_db > 30
    assert panel.qat_button.isEnabled()
    panel.scan_button.click()
    qtbot.waitUntil(lambda: panel.curves.scan is not None, timeout=120_000)
    assert len(panel.curves.scan["curves"]) == 4
    panel.target_kib.setValue(8.0)
    panel.allocate_button.click()
    assert set(panel.overrides) == {"conv1", "conv2", "conv3", "fc"}
    assert "bytes" in panel.allocation_label.text()
    session.undo_stack.undo()  # the allocation
    assert panel.overrides == {}


def test_the_window_lists_the_quantize_stage(qtbot: Any) -> None:
    from studio.ui.stages import BUILTIN_STAGES

    assert any(s.id == "quantize" and s.title == "Quantize" for s in BUILTIN_STAGES)


@pytest.mark.slow
def test_the_stage_works_inside_the_window(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from studio.app import AppServices
    from studio.ui.main_window import MainWindow
    from studio.ui.quantize.panel import QuantizePanel

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    services = AppServices()
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    try:
        with qtbot.waitSignal(win.modelShown, timeout=120_000):
            win.open_target("demo")
        win.show_stage("quantize")
        panel = win.stage_stack.currentWidget()
        assert isinstance(panel, QuantizePanel)
        assert [r.layer for r in panel.rows] == ["conv1", "conv2", "conv3", "fc"]
        panel.table.select_layer("conv3")  # the window's layer table follows the stage's selection
        assert "conv3" in str(win.layer_table.selected_layer())
    finally:
        win.close()
        services.jobs.shutdown()
