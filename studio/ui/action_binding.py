"""Builds QActions, menus and the toolbar from the one declared list in :mod:`studio.core.actions`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

MENU_ORDER = ("File", "Edit", "View", "Model", "Help")
TOOLBAR_IDS = (
    "file.open_model",
    "file.save_project",
    "edit.undo",
    "edit.redo",
    "view.fit",
    "model.evaluate",
    "model.measure_latency",
)


def _key_sequence(shortcut: str | None) -> QKeySequence | None:
    if not shortcut:
        return None
    standard = getattr(QKeySequence.StandardKey, shortcut, None)
    if standard is not None:
        return QKeySequence(standard)
    return QKeySequence(shortcut)


class ActionBinder:
    """Owns the window's QActions by id; ``refresh(state)`` enables each from its ``enabled_when`` key."""

    def __init__(self, window: QMainWindow, declared: Iterable[Any], handlers: dict[str, Callable[[], None]]):
        self.window = window
        self.actions: dict[str, QAction] = {}
        self._enabled_when: dict[str, str] = {}
        self.menus: dict[str, QMenu] = {}
        for name in MENU_ORDER:
            self.menus[name] = window.menuBar().addMenu(f"&{name}")
        for decl in declared:
            handler = handlers.get(decl.id)
            if handler is None:
                # Shows only what works: a declared action with no handler yet stays out of the menus.
                continue
            self.add(
                decl.id,
                decl.title,
                handler,
                shortcut=decl.shortcut,
                menu=decl.menu,
                tip=decl.tip,
                enabled_when=decl.enabled_when,
                checkable=getattr(decl, "checkable", False),
            )
        self.toolbar = QToolBar("Main", window)
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setMovable(False)
        for action_id in TOOLBAR_IDS:
            if action_id in self.actions:
                self.toolbar.addAction(self.actions[action_id])
        window.addToolBar(self.toolbar)

    def add(
        self,
        action_id: str,
        title: str,
        handler: Callable[[], None],
        *,
        shortcut: str | None = None,
        menu: str = "Model",
        tip: str = "",
        enabled_when: str = "always",
        checkable: bool = False,
    ) -> QAction:
        """Create a QAction (also used for plugin actions) and put it in its menu."""
        action = QAction(title, self.window)
        action.setObjectName(action_id)
        seq = _key_sequence(shortcut)
        if seq is not None:
            action.setShortcut(seq)
        if tip:
            action.setToolTip(f"{tip} ({seq.toString()})" if seq is not None and not seq.isEmpty() else tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: handler())
        self.window.addAction(action)  # shortcuts work even when the menu bar is hidden
        if menu not in self.menus:
            self.menus[menu] = self.window.menuBar().addMenu(f"&{menu}")
        self.menus[menu].addAction(action)
        self.actions[action_id] = action
        self._enabled_when[action_id] = enabled_when
        return action

    def refresh(self, state: dict[str, bool]) -> None:
        """Enable every action whose condition holds; unknown conditions count as true."""
        for action_id, action in self.actions.items():
            key = self._enabled_when.get(action_id, "always")
            action.setEnabled(key == "always" or state.get(key, True))

    def all_actions(self) -> list[QAction]:
        """Every bound action, in menu order (for the command palette)."""
        return list(self.actions.values())
