"""The main window through its signals: open, select in sync, undo, jobs, errors, projects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

OPEN_TIMEOUT_MS = 120_000


def open_and_wait(qtbot: Any, window: Any, target: str) -> None:
    with qtbot.waitSignal(window.modelShown, timeout=OPEN_TIMEOUT_MS):
        window.open_target(target)


def test_starts_on_the_welcome_page_with_no_model(window: Any) -> None:
    assert window.center.currentWidget() is window.welcome
    assert window.status_model.text() == "No model"
    assert not window.binder.actions["model.evaluate"].isEnabled()


def test_open_onnx_fills_graph_table_and_status(qtbot: Any, window: Any, tiny_onnx_path: Path) -> None:
    open_and_wait(qtbot, window, str(tiny_onnx_path))
    assert window.center.currentWidget() is window.graph_view
    opened = window.session.opened
    assert window.layer_table.model.rowCount() == len(opened.profile.layers)
    assert "params" in window.status_totals.text()
    assert window.binder.actions["model.evaluate"].isEnabled()
    assert "tiny.onnx" in window.windowTitle()


def test_selection_is_synced_both_ways(qtbot: Any, window: Any, tiny_onnx_path: Path) -> None:
    open_and_wait(qtbot, window, str(tiny_onnx_path))
    window.graph_view.nodeSelected.emit("fc")  # as a click on the node does
    assert window.layer_table.selected_layer() == "fc"
    props = [window.properties.tree.topLevelItem(i).text(0) for i in range(window.properties.tree.topLevelItemCount())]
    assert "Node" in props and "Parameters" in props
    with qtbot.assertNotEmitted(window.layer_table.layerSelected):
        window.layer_table.select_layer("conv")
    row = window.layer_table.model.row_of("conv")
    window.layer_table.view.selectRow(
        window.layer_table.proxy.mapFromSource(window.layer_table.model.index(row, 0)).row()
    )
    assert window.layer_table.selected_layer() == "conv"


def test_bad_file_shows_one_line_dialog_and_window_lives(qtbot: Any, window: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07not a model")
    window.open_target(str(bad))
    qtbot.waitUntil(lambda: bool(window.dialogs_shown), timeout=30_000)
    title, text = window.dialogs_shown[0]
    assert "broken.onnx" in title
    assert "\n" not in text and "Traceback" not in text
    assert window.center.currentWidget() is window.welcome


def test_open_is_undoable(qtbot: Any, window: Any, tiny_onnx_path: Path, tmp_path: Path) -> None:
    open_and_wait(qtbot, window, str(tiny_onnx_path))
    first = window.session.opened
    second_path = tmp_path / "second.onnx"
    second_path.write_bytes(tiny_onnx_path.read_bytes())
    open_and_wait(qtbot, window, str(second_path))
    assert window.session.opened.model.path.name == "second.onnx"
    assert window.binder.actions["edit.undo"].isEnabled()
    window.binder.actions["edit.undo"].trigger()
    assert window.session.opened is first
    window.binder.actions["edit.redo"].trigger()
    assert window.session.opened.model.path.name == "second.onnx"


@pytest.mark.slow
def test_evaluate_and_latency_jobs_on_demo(qtbot: Any, window: Any) -> None:
    open_and_wait(qtbot, window, "demo")
    window.binder.actions["model.evaluate"].trigger()
    qtbot.waitUntil(lambda: window.session.version.evaluation is not None, timeout=OPEN_TIMEOUT_MS)
    assert window.session.version.evaluation["accuracy"] > 0.9
    assert "accuracy" in window.status_accuracy.text()
    window.binder.actions["model.measure_latency"].trigger()
    qtbot.waitUntil(lambda: bool(window.session.version.latency_ms), timeout=OPEN_TIMEOUT_MS)
    assert window.session.opened.profile.total.latency_ms > 0
    latency_col = [c.title for c in __import__("studio.ui.layers.model", fromlist=["COLUMNS"]).COLUMNS].index("Latency")
    texts = [window.layer_table.model.index(r, latency_col).data() for r in range(window.layer_table.model.rowCount())]
    assert any(t.endswith("ms") for t in texts)


def test_project_save_and_reopen(qtbot: Any, window: Any, tiny_onnx_path: Path, tmp_path: Path) -> None:
    open_and_wait(qtbot, window, str(tiny_onnx_path))
    window.project_path = tmp_path / "p.tmlproj"
    assert window.save_project()
    assert not window.project.dirty
    with qtbot.waitSignal(window.modelShown, timeout=OPEN_TIMEOUT_MS):
        window.open_project(tmp_path / "p.tmlproj")
    assert window.session.opened.model.path == tiny_onnx_path


def test_command_palette_lists_actions_with_shortcuts(window: Any) -> None:
    from studio.ui.command_palette import CommandPalette

    palette = CommandPalette(window.binder.all_actions(), window)
    palette.edit.setText("open model")
    assert palette.list.count() >= 1
    assert "Ctrl+O" in palette.list.item(0).text()
    palette.close()


def test_drop_a_file_opens_it(qtbot: Any, window: Any, tiny_onnx_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tiny_onnx_path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.modelShown, timeout=OPEN_TIMEOUT_MS):
        window.dropEvent(event)
    assert window.session.opened.model.path == tiny_onnx_path
