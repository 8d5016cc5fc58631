"""Plugin loading through fake entry points: good plugins load, bad ones are reported, none half-lands."""

from __future__ import annotations

import importlib.metadata
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from studio.core import plugins
from studio.core.plugins import (
    ActionContext,
    PanelContribution,
    PluginAction,
    PluginError,
    PluginRegistry,
    load_plugins,
)
from studio.zoo import registry as zoo_registry
from studio.zoo.registry import ZooEntry

GROUP = "tinyml_studio.plugins"


class _TextReader:
    name = "fake-text"
    extensions = (".faketxt",)

    def match(self, path: Path) -> bool:
        return path.suffix == ".faketxt"

    def open(self, path: Path, **options: Any) -> Any:
        raise NotImplementedError


def _say_hello(ctx: ActionContext) -> None:
    ctx.report_error(f"hello {ctx.model}")


# -- the plugins' register functions, found through entry points as real plugins are -----------------------
def register_good(registry: PluginRegistry) -> None:
    registry.add_model_action(PluginAction("good.hello", "Say Hello", "Greets", None, _say_hello))
    registry.add_panel(PanelContribution("good.panel", "Good", factory=lambda parent=None: "widget"))
    registry.add_zoo_entry(ZooEntry("fake_net", build=lambda: None, input_shape=(1, 1, 4, 4), description="x"))


def register_raises(registry: PluginRegistry) -> None:
    registry.add_model_action(PluginAction("bad.half", "Half", "", None, _say_hello))
    raise RuntimeError("plugin bug\nsecond line")


def register_exits(registry: PluginRegistry) -> None:
    sys.exit(3)


def register_steals_builtin(registry: PluginRegistry) -> None:
    registry.add_model_action(PluginAction("file.quit", "Quit!", "", None, _say_hello))


def register_reader(registry: PluginRegistry) -> None:
    registry.add_reader(_TextReader())


NOT_CALLABLE = 42


def _entry_points(monkeypatch: pytest.MonkeyPatch, **targets: str) -> None:
    eps = [importlib.metadata.EntryPoint(name, f"{__name__}:{func}", GROUP) for name, func in targets.items()]

    def fake_entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        return eps if group == GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)


@pytest.fixture
def private_zoo(monkeypatch: pytest.MonkeyPatch) -> dict:
    entries: dict = {}
    monkeypatch.setattr(zoo_registry, "_ENTRIES", entries)
    return entries


def test_good_plugin_loads_and_bad_ones_are_reported(monkeypatch: pytest.MonkeyPatch, private_zoo: dict) -> None:
    _entry_points(
        monkeypatch,
        good="register_good",
        raises="register_raises",
        exits="register_exits",
        missing="no_such_function",
        number="NOT_CALLABLE",
    )
    registry = PluginRegistry()
    reports = {r.name: r for r in load_plugins(registry)}
    assert reports["good"].ok and reports["good"].error == ""
    assert not reports["raises"].ok and reports["raises"].error == "RuntimeError: plugin bug second line"
    assert not reports["exits"].ok and "SystemExit" in reports["exits"].error
    assert not reports["missing"].ok and "AttributeError" in reports["missing"].error
    assert not reports["number"].ok and "not a function" in reports["number"].error
    assert reports["raises"].target == f"{__name__}:register_raises"
    # The failing plugin's half-made contribution did not land; the good one's did.
    assert [a.id for a in registry.model_actions] == ["good.hello"]
    assert [p.id for p in registry.panels] == ["good.panel"]
    assert "fake_net" in private_zoo


def test_plugin_action_runs_with_a_context(monkeypatch: pytest.MonkeyPatch, private_zoo: dict) -> None:
    _entry_points(monkeypatch, good="register_good")
    registry = PluginRegistry()
    load_plugins(registry)
    errors: list[str] = []
    registry.action("good.hello").run(ActionContext(model="net", parent=None, report_error=errors.append))
    assert errors == ["hello net"]
    with pytest.raises(KeyError):
        registry.action("nope")


def test_builtin_and_duplicate_ids_are_refused(monkeypatch: pytest.MonkeyPatch, private_zoo: dict) -> None:
    _entry_points(monkeypatch, a_first="register_good", b_again="register_good", c_steal="register_steals_builtin")
    registry = PluginRegistry()
    reports = {r.name: r for r in load_plugins(registry)}
    assert reports["a_first"].ok
    assert not reports["b_again"].ok and "already taken" in reports["b_again"].error
    assert not reports["c_steal"].ok and "'file.quit'" in reports["c_steal"].error
    assert len(registry.model_actions) == 1 and len(registry.panels) == 1


def test_reader_is_forwarded_to_the_formats_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[Any] = []
    formats_registry = types.ModuleType("studio.formats.registry")
    formats_registry.register_reader = received.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "studio.formats.registry", formats_registry)
    _entry_points(monkeypatch, reader="register_reader")
    registry = PluginRegistry()
    (report,) = load_plugins(registry)
    assert report.ok
    assert [r.name for r in received] == ["fake-text"] and registry.readers == received


def test_reader_kept_when_formats_registry_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "studio.formats.registry", None)  # import now fails as "not found"
    registry = PluginRegistry()
    # A None entry in sys.modules raises ModuleNotFoundError naming the module, like a missing file.
    registry.add_reader(_TextReader())
    assert [r.name for r in registry.readers] == ["fake-text"]


def test_invalid_contributions_are_plugin_errors() -> None:
    registry = PluginRegistry()
    with pytest.raises(PluginError, match="has no 'name'"):
        registry.add_reader(object())
    with pytest.raises(PluginError, match="PluginAction"):
        registry.add_model_action(("id", "title"))  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="PanelContribution"):
        registry.add_panel("panel")  # type: ignore[arg-type]


def test_no_plugins_installed_gives_no_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    _entry_points(monkeypatch)
    assert load_plugins(PluginRegistry()) == []


def test_default_registry_is_shared() -> None:
    assert plugins.default_registry() is plugins.default_registry()
