"""The Netron plugin registers through its entry point and its action opens (or refuses) real models."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.netron_viewer import ACTION_ID, netron_refusal, register
from studio.core.plugins import ActionContext, PluginRegistry, load_plugins
from studio.formats.base import LoadedModel
from studio.graph.ir import Graph


def test_entry_point_loads_and_adds_the_action() -> None:
    registry = PluginRegistry()
    reports = {r.name: r for r in load_plugins(registry)}
    assert reports["netron"].ok, reports["netron"].error
    action = registry.action(ACTION_ID)
    assert action.title == "Open in Netron"
    assert action.shortcut == "Ctrl+Shift+N"
    assert action.tip


def test_register_twice_is_rejected_by_the_registry() -> None:
    registry = PluginRegistry()
    register(registry)
    with pytest.raises(Exception, match="already taken"):
        register(registry)


def test_refusal_names_the_format_netron_cannot_read(tmp_path: Path) -> None:
    graph = Graph(name="g", nodes=[], tensors={}, inputs=[], outputs=[])
    assert netron_refusal(None) == "Open a model first"
    assert netron_refusal(LoadedModel(path=tmp_path / "m.py", format="python", graph=graph)) == (
        "Netron cannot read python files"
    )
    assert netron_refusal(LoadedModel(path=tmp_path / "m.onnx", format="onnx", graph=graph)) is None
    assert netron_refusal(LoadedModel(path=None, format="onnx", graph=graph, onnx_bytes=b"x")) is None


def test_action_reports_error_instead_of_opening_for_unreadable_model(tmp_path: Path) -> None:
    graph = Graph(name="g", nodes=[], tensors={}, inputs=[], outputs=[])
    errors: list[str] = []
    registry = PluginRegistry()
    register(registry)
    ctx = ActionContext(
        model=LoadedModel(path=tmp_path / "net.py", format="python", graph=graph),
        parent=None,
        report_error=errors.append,
    )
    assert registry.action(ACTION_ID).run(ctx) is None
    assert errors == ["Netron cannot read python files"]


@pytest.mark.gui
def test_action_opens_a_dialog_serving_the_opened_model(qtbot, tiny_onnx_path: Path) -> None:
    from studio.formats.registry import open_model

    model = open_model(tiny_onnx_path)
    errors: list[str] = []
    registry = PluginRegistry()
    register(registry)
    dialog = registry.action(ACTION_ID).run(ActionContext(model=model, parent=None, report_error=errors.append))
    qtbot.addWidget(dialog)
    assert errors == []
    assert dialog.isVisible()
    assert model.display_name in dialog.windowTitle()
    url = dialog.view.url
    assert url is not None and url.startswith("http://127.0.0.1:")
    dialog.close()
    assert dialog.view.url is None  # closing the window stops the server
