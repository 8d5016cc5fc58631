"""Every user action of the studio, declared once as data (after napari's app-model).

The window builds its menus, toolbar and command palette from :data:`ACTIONS` and binds a handler per id;
enabling follows ``enabled_when``, a key into a dict of booleans the window computes (see
:data:`ENABLED_WHEN_KEYS`). A test checks ids and shortcuts are unique, so a new action cannot silently
steal another's key.

Shortcuts are Qt's portable text ("Ctrl+O"; Qt shows Cmd on macOS) or the name of a
``QKeySequence.StandardKey`` ("Open"), which the UI resolves. This module does not import Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

MENUS = ("File", "Edit", "View", "Model", "Help")

# Conditions the window evaluates: "always" needs nothing; the others are booleans in the window's state.
ENABLED_WHEN_KEYS = ("always", "has_model", "has_project", "can_undo", "can_redo", "has_profile")


@dataclass(frozen=True)
class Action:
    """One user action. ``id`` is "<menu>.<verb>", lower case, and never changes: plugins use it."""

    id: str
    title: str
    shortcut: str | None
    menu: str
    tip: str = ""
    enabled_when: str = "always"
    checkable: bool = False


ACTIONS: tuple[Action, ...] = (
    # File
    Action(
        "file.open_model",
        "Open Model…",
        "Ctrl+O",
        "File",
        "Open an ONNX, .pt2, TorchScript, state_dict or Python model file",
    ),
    Action("file.open_project", "Open Project…", "Ctrl+Shift+O", "File", "Open a .tmlproj project"),
    Action("file.save_project", "Save Project", "Ctrl+S", "File", "Save the project", "has_model"),
    Action(
        "file.save_project_as",
        "Save Project As…",
        "Ctrl+Shift+S",
        "File",
        "Save the project under a new name",
        "has_model",
    ),
    Action(
        "file.export_profile",
        "Export Profile…",
        "Ctrl+E",
        "File",
        "Write the per-layer table as CSV or JSON",
        "has_model",
    ),
    Action("file.quit", "Quit", "Ctrl+Q", "File", "Quit TinyML Studio"),
    # Edit
    Action("edit.undo", "Undo", "Ctrl+Z", "Edit", "Undo the last change", "can_undo"),
    Action("edit.redo", "Redo", "Ctrl+Shift+Z", "Edit", "Redo the change just undone", "can_redo"),
    Action("edit.find", "Find Layer…", "Ctrl+F", "Edit", "Find a layer by name or type", "has_model"),
    Action("edit.preferences", "Preferences…", "Ctrl+,", "Edit", "Theme, autosave, latency and more"),
    # View
    Action("view.fit", "Fit Graph", "F", "View", "Show the whole graph", "has_model"),
    Action("view.zoom_in", "Zoom In", "Ctrl+=", "View", "Zoom into the graph", "has_model"),
    Action("view.zoom_out", "Zoom Out", "Ctrl+-", "View", "Zoom out of the graph", "has_model"),
    Action("view.toggle_theme", "Dark Theme", "Ctrl+T", "View", "Switch light/dark", checkable=True),
    Action("view.command_palette", "Command Palette…", "Ctrl+Shift+P", "View", "Find and run any command"),
    # Model
    Action(
        "model.evaluate",
        "Evaluate Accuracy",
        "Ctrl+R",
        "Model",
        "Accuracy and loss on the project's data set",
        "has_model",
    ),
    Action(
        "model.measure_latency",
        "Measure Latency",
        "Ctrl+L",
        "Model",
        "Time every layer on this computer",
        "has_model",
    ),
    Action(
        "model.choose_dataset",
        "Choose Data Set…",
        "Ctrl+D",
        "Model",
        "Data for evaluation: digits, an image folder or a .npz file",
    ),
    # Help
    Action("help.shortcuts", "Keyboard Shortcuts", "F1", "Help", "List every shortcut"),
    Action("help.about", "About TinyML Studio", None, "Help", "Version and licences"),
)

_BY_ID = {action.id: action for action in ACTIONS}


def action_by_id(action_id: str) -> Action:
    """The declared action ``action_id``; raises ``KeyError`` naming it if there is none."""
    try:
        return _BY_ID[action_id]
    except KeyError:
        raise KeyError(f"no action {action_id!r}") from None


def actions_in_menu(menu: str) -> list[Action]:
    """The actions of one menu, in declaration order."""
    return [action for action in ACTIONS if action.menu == menu]


def normalized_shortcut(shortcut: str) -> str:
    """A comparable form of a shortcut: modifiers sorted, case folded ("shift+ctrl+p" == "Ctrl+Shift+P")."""
    parts = shortcut.split("+")
    # "Ctrl++" style: a trailing empty part means the key itself is "+".
    if shortcut.endswith("++"):
        parts = [*shortcut[:-2].split("+"), "+"]
    *modifiers, key = parts
    return "+".join([*sorted(m.strip().lower() for m in modifiers), key.strip().lower()])


def shortcut_table() -> list[tuple[str, str]]:
    """(shortcut, title) pairs for Help > Keyboard Shortcuts, in declaration order."""
    return [(action.shortcut, action.title) for action in ACTIONS if action.shortcut]
