"""The stage sidebar: stages are built on first use, get a working context, and share the selection."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def stage_window(qtbot: Any, services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from PySide6.QtWidgets import QLabel

    import studio.ui.stages as stages
    from studio.ui.main_window import MainWindow

    built: list[Any] = []

    def factory(ctx: Any) -> Any:
        label = QLabel("probe stage")
        label.heard = []  # type: ignore[attr-defined]
        ctx.layerSelected.connect(label.heard.append)  # type: ignore[attr-defined]
        built.append((ctx, label))
        return label

    monkeypatch.setattr(stages, "BUILTIN_STAGES", (stages.StageSpec("probe", "Probe", factory, "a test stage"),))
    win = MainWindow(services)
    win.built = built  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_sidebar_lists_stages_and_builds_them_lazily(stage_window: Any) -> None:
    assert stage_window.stage_list.isVisibleTo(stage_window)
    plugin_stages = [p.title for p in stage_window.services.plugins.panels]  # e.g. the Quantum plugin's
    assert [stage_window.stage_list.item(i).text() for i in range(stage_window.stage_list.count())] == [
        "Model",
        "Probe",
        *plugin_stages,
    ]
    assert stage_window.built == []
    stage_window.binder.actions["view.stage.probe"].trigger()
    assert len(stage_window.built) == 1
    assert stage_window.stage_stack.currentWidget() is stage_window.built[0][1]
    stage_window.show_stage("model")
    stage_window.show_stage("probe")
    assert len(stage_window.built) == 1  # built once


def test_stage_context_sees_the_session_and_selection(stage_window: Any, qtbot: Any, tiny_onnx_path: Any) -> None:
    stage_window.show_stage("probe")
    ctx, label = stage_window.built[0]
    with qtbot.waitSignal(stage_window.modelShown, timeout=60_000):
        stage_window.open_target(str(tiny_onnx_path))
    assert ctx.session.opened is not None
    assert ctx.data_spec() == (stage_window.project.dataset or services_default(stage_window))
    stage_window.layer_table.select_layer("conv")
    stage_window._on_layer_selected_in_table("conv")
    assert label.heard == ["conv"]
    ctx.select_layer("fc")  # a stage selects: the table follows, and the stage hears its own choice once
    assert stage_window.layer_table.selected_layer() == "fc"
    assert label.heard == ["conv", "fc"]


def services_default(window: Any) -> str:
    return window.services.preferences.default_dataset


def test_a_broken_stage_reports_and_returns_to_model(qtbot: Any, services: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    import studio.ui.stages as stages
    from studio.ui.main_window import MainWindow

    def broken(_ctx: Any) -> Any:
        raise RuntimeError("boom")

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(stages, "BUILTIN_STAGES", (stages.StageSpec("bad", "Bad", broken),))
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show_stage_at(1)
    assert shown and "boom" in shown[0]
    assert win.stage_list.currentRow() == 0
    win.close()


def test_plugins_load_after_show_and_add_their_actions_and_stages(qtbot: Any, services: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from studio.core.plugins import PanelContribution
    from studio.ui.main_window import MainWindow

    def fake_load() -> list[Any]:
        services.plugins_loaded = True
        services.plugins.add_panel(PanelContribution("probe-plugin", "Plugged", lambda _ctx: QLabel("plugged")))
        return []

    monkeypatch.setattr(services, "load_plugins", fake_load)
    win = MainWindow(services)
    qtbot.addWidget(win)
    builtin = len(win.stages)
    assert "probe-plugin" not in [s.id for s in win.stages]
    win.show()
    qtbot.waitUntil(lambda: len(win.stages) == builtin + 1, timeout=5000)
    assert win.stages[-1].id == "probe-plugin" and win.stage_list.isVisibleTo(win)
    win.binder.actions["view.stage.probe-plugin"].trigger()
    assert win.stage_stack.currentWidget().text() == "plugged"
    win.close()


def test_real_plugins_add_open_in_netron(qtbot: Any, services: Any) -> None:
    from studio.ui.main_window import MainWindow

    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: "netron.open" in win.binder.actions, timeout=10_000)
    assert services.plugins_loaded and all(r.ok for r in services.plugin_reports)
    win.close()


def test_a_stage_that_offers_an_undo_stack_gets_edit_undo_while_shown(stage_window: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    from studio.core.commands import FunctionCommand, UndoStack

    log: list[str] = []
    stage_window.session.undo_stack.push(
        FunctionCommand("Prune", lambda: log.append("prune"), lambda: log.append("-prune"))
    )
    stage_window.show_stage("probe")
    ctx, label = stage_window.built[0]
    own = UndoStack()
    ctx.offer_undo_stack(label, own)
    undo, redo = stage_window.binder.actions["edit.undo"], stage_window.binder.actions["edit.redo"]
    assert not undo.isEnabled() and undo.text() == "Undo"  # the stage's stack is empty; the model's is not used
    own.push(FunctionCommand("Add H", lambda: log.append("h"), lambda: log.append("-h")))
    assert undo.isEnabled() and undo.text() == "Undo Add H"
    stage_window.activateWindow()
    qtbot.waitUntil(lambda: stage_window.isActiveWindow(), timeout=5000)
    qtbot.keyClick(label, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the real shortcut
    assert log == ["prune", "h", "-h"] and redo.text() == "Redo Add H" and not undo.isEnabled()
    qtbot.keyClick(label, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert log[-1] == "h" and undo.text() == "Undo Add H"

    stage_window.show_stage("model")  # back on the model: its history again
    assert undo.text() == "Undo Prune"
    undo.trigger()
    assert log[-1] == "-prune" and own.can_undo
    stage_window.show_stage("probe")
    ctx.withdraw_undo_stack(label)  # a stage may hand undo back to the model
    assert undo.text() == "Undo" and redo.text() == "Redo Prune"
