"""config_dir, Preferences validation, parsing, migrations, and never-crash loading."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from studio.core import settings
from studio.core.settings import (
    InvalidPreferenceError,
    Preferences,
    config_dir,
    load_preferences,
    parse_preference_value,
    preference_help,
    preference_names,
    preferences_path,
    save_preferences,
    update_preferences,
)


def test_config_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TINYML_STUDIO_CONFIG_DIR", str(tmp_path / "override"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "override"
    monkeypatch.delenv("TINYML_STUDIO_CONFIG_DIR")
    assert config_dir() == tmp_path / "xdg" / "tinyml-studio"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "tinyml-studio"


def test_defaults() -> None:
    prefs = Preferences()
    assert (prefs.theme, prefs.autosave_interval_s, prefs.recent_files_limit) == ("system", 60, 10)
    assert (prefs.netron_embedded, prefs.latency_repeats, prefs.default_dataset) == (True, 20, "digits")
    assert prefs.ray_address is None and prefs.show_edge_shapes is True
    assert Preferences.SCHEMA_VERSION == settings.SCHEMA_VERSION
    assert all(preference_help(name) for name in preference_names())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"theme": "pink"}, "'theme' must be one of 'light', 'dark', 'system', got 'pink'"),
        ({"autosave_interval_s": -5}, "'autosave_interval_s' must be between 0 and 86400"),
        ({"autosave_interval_s": "60"}, "must be a whole number"),
        ({"latency_repeats": True}, "must be a whole number"),
        ({"netron_embedded": 1}, "must be true or false"),
        ({"default_dataset": "  "}, "must be non-empty text"),
        ({"ray_address": ""}, "non-empty text or empty"),
    ],
)
def test_invalid_values_have_clear_messages(changes: dict, message: str) -> None:
    with pytest.raises(InvalidPreferenceError, match=message.replace("(", r"\(")):
        Preferences(**changes)
    # The generated preferences dialog relies on these being ValueErrors from dataclasses.replace.
    with pytest.raises(ValueError):
        dataclasses.replace(Preferences(), **changes)


def test_update_preferences() -> None:
    prefs = update_preferences(Preferences(), theme="dark", ray_address="ray://head:10001")
    assert prefs.theme == "dark" and prefs.ray_address == "ray://head:10001"
    with pytest.raises(InvalidPreferenceError, match="unknown preference 'colour'"):
        update_preferences(prefs, colour="red")


def test_parse_preference_value_from_text() -> None:
    assert parse_preference_value("netron_embedded", "off") is False
    assert parse_preference_value("netron_embedded", "Yes") is True
    assert parse_preference_value("latency_repeats", " 50 ") == 50
    assert parse_preference_value("ray_address", "none") is None
    assert parse_preference_value("theme", "dark") == "dark"
    with pytest.raises(InvalidPreferenceError, match="whole number, got 'many'"):
        parse_preference_value("latency_repeats", "many")
    with pytest.raises(InvalidPreferenceError, match="true or false"):
        parse_preference_value("show_edge_shapes", "maybe")
    with pytest.raises(InvalidPreferenceError, match="unknown preference"):
        parse_preference_value("nope", "1")


def test_save_and_load_round_trip() -> None:
    prefs = Preferences(theme="dark", latency_repeats=5, ray_address="auto")
    path = save_preferences(prefs)
    assert path == preferences_path() and path.parent == config_dir()
    data = json.loads(path.read_text())
    assert data["schema_version"] == settings.SCHEMA_VERSION and path.read_text().endswith("\n")
    assert load_preferences() == prefs


def test_missing_file_gives_defaults() -> None:
    assert not preferences_path().exists()
    assert load_preferences() == Preferences()


@pytest.mark.parametrize("content", ["{broken json", "[1, 2]", "\udcff"])
def test_corrupt_file_is_set_aside(content: str) -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert load_preferences() == Preferences()
    assert not path.exists()
    assert path.with_name("preferences.json.bad").read_bytes() == content.encode("utf-8", "surrogateescape")


def test_one_invalid_value_falls_back_alone() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema_version": 1, "theme": "pink", "latency_repeats": 7, "future_key": 1}))
    prefs = load_preferences()
    assert prefs.theme == "system" and prefs.latency_repeats == 7


def test_v0_preferences_are_migrated() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"dark_mode": True, "autosave_minutes": 2}))
    prefs = load_preferences()
    assert prefs.theme == "dark" and prefs.autosave_interval_s == 120
    save_preferences(prefs)
    assert "dark_mode" not in path.read_text()


def test_newer_schema_keeps_known_keys() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema_version": 99, "theme": "light", "hologram": True}))
    assert load_preferences().theme == "light"
