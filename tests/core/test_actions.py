"""The declared actions: unique ids and shortcuts, known menus and conditions, the required set."""

from __future__ import annotations

from collections import Counter

import pytest

from studio.core.actions import (
    ACTIONS,
    ENABLED_WHEN_KEYS,
    MENUS,
    action_by_id,
    actions_in_menu,
    normalized_shortcut,
    shortcut_table,
)

REQUIRED = {
    "file.open_model": "Ctrl+O",
    "file.open_project": "Ctrl+Shift+O",
    "file.save_project": "Ctrl+S",
    "file.save_project_as": "Ctrl+Shift+S",
    "file.export_profile": "Ctrl+E",
    "file.quit": "Ctrl+Q",
    "edit.undo": "Ctrl+Z",
    "edit.redo": "Ctrl+Shift+Z",
    "edit.find": "Ctrl+F",
    "edit.preferences": "Ctrl+,",
    "view.fit": "F",
    "view.zoom_in": "Ctrl+=",
    "view.zoom_out": "Ctrl+-",
    "view.toggle_theme": "Ctrl+T",
    "view.command_palette": "Ctrl+Shift+P",
    "model.evaluate": "Ctrl+R",
    "model.measure_latency": "Ctrl+L",
    "help.about": None,
    "help.shortcuts": "F1",
}


def test_no_duplicate_ids() -> None:
    duplicates = [i for i, n in Counter(a.id for a in ACTIONS).items() if n > 1]
    assert duplicates == []


def test_no_duplicate_shortcuts() -> None:
    counts = Counter(normalized_shortcut(a.shortcut) for a in ACTIONS if a.shortcut)
    assert [s for s, n in counts.items() if n > 1] == []


def test_required_actions_and_shortcuts() -> None:
    assert {action_id: action_by_id(action_id).shortcut for action_id in REQUIRED} == REQUIRED


def test_every_action_is_well_formed() -> None:
    for action in ACTIONS:
        assert action.menu in MENUS, action
        assert action.id.split(".")[0] == action.menu.lower(), action
        assert action.enabled_when in ENABLED_WHEN_KEYS, action
        assert action.title and action.tip, action
    assert action_by_id("view.toggle_theme").checkable
    assert action_by_id("edit.undo").enabled_when == "can_undo"


def test_lookup_helpers() -> None:
    assert [a.id for a in actions_in_menu("Help")] == ["help.shortcuts", "help.about"]
    assert ("Ctrl+O", "Open Model…") in shortcut_table()
    with pytest.raises(KeyError, match="no action"):
        action_by_id("file.nope")


def test_normalized_shortcut() -> None:
    assert normalized_shortcut("shift+ctrl+p") == normalized_shortcut("Ctrl+Shift+P")
    assert normalized_shortcut("Ctrl++") == "ctrl++"
    assert normalized_shortcut("Ctrl+=") != normalized_shortcut("Ctrl+-")
