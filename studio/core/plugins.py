"""Plugins: packages that add model readers, zoo architectures, model actions and panels.

A plugin declares an entry point in the group ``tinyml_studio.plugins`` pointing at ``register(registry)``;
first-party plugins (Netron, boards, the quantum tab) load exactly the same way. The studio never imports a
plugin by name.

Loading is fault-isolated: each plugin registers into a scratch registry, and only if its ``register``
returns normally are its contributions merged. A plugin that fails to import or raises is reported in a
:class:`PluginLoadReport` and leaves nothing half-registered; the other plugins still load.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.core.errors import StudioError

logger = logging.getLogger(__name__)

PLUGIN_GROUP = "tinyml_studio.plugins"


class PluginError(StudioError):
    """A plugin contributed something invalid (for example an action id already taken)."""


@dataclass
class ActionContext:
    """What a plugin action gets when run: the open model (or ``None``), a parent for dialogs (a QWidget in
    the GUI, ``None`` in the CLI) and a way to show a one-line error to the user."""

    model: Any  # studio.formats.base.LoadedModel | None; typed loosely to keep this import-free
    parent: Any
    report_error: Callable[[str], None]


@dataclass(frozen=True)
class PluginAction:
    """A command a plugin adds to the Model menu (and the command palette).

    ``run(ctx)`` is called on the GUI thread; long work should be submitted as a job. ``enabled_when`` uses
    the keys of :data:`studio.core.actions.ENABLED_WHEN_KEYS`.
    """

    id: str
    title: str
    tip: str
    shortcut: str | None
    run: Callable[[ActionContext], Any]
    menu: str = "Model"
    enabled_when: str = "has_model"


@dataclass(frozen=True)
class PanelContribution:
    """A tab a plugin adds; ``factory(parent)`` builds its widget (opaque here: the core has no Qt)."""

    id: str
    title: str
    factory: Callable[..., Any]


@dataclass(frozen=True)
class PluginLoadReport:
    """Outcome of loading one entry point; ``error`` is one line when ``ok`` is False."""

    name: str
    ok: bool
    error: str = ""
    target: str = ""  # the entry point's "module:function", to tell the user what to uninstall


@dataclass
class PluginRegistry:
    """What plugins contributed. ``add_reader`` and ``add_zoo_entry`` also register with the studio's own
    format and zoo registries, so the CLI and the open dialog see them."""

    readers: list[Any] = field(default_factory=list)
    zoo_entries: list[Any] = field(default_factory=list)
    model_actions: list[PluginAction] = field(default_factory=list)
    panels: list[PanelContribution] = field(default_factory=list)
    boards: list[Any] = field(default_factory=list)
    cli_commands: list[Callable[[Any], None]] = field(default_factory=list)
    forward: bool = True  # False for the scratch registry a plugin registers into before it is accepted

    def add_reader(self, reader: Any) -> None:
        """Add a model reader (``studio.formats.base.ModelReader``)."""
        for attr in ("name", "extensions", "match", "open"):
            if not hasattr(reader, attr):
                raise PluginError(f"reader {reader!r} has no {attr!r}; see studio.formats.base.ModelReader")
        self.readers.append(reader)
        if self.forward:
            _register_reader_with_formats(reader)

    def add_zoo_entry(self, entry: Any) -> None:
        """Add an architecture (``studio.zoo.registry.ZooEntry``)."""
        self.zoo_entries.append(entry)
        if self.forward:
            from studio.zoo import registry as zoo_registry

            zoo_registry.register(entry)

    def add_model_action(self, action: PluginAction) -> None:
        """Add a Model-menu action; raises :class:`PluginError` if its id is taken."""
        if not isinstance(action, PluginAction):
            raise PluginError(f"expected a PluginAction, got {type(action).__name__}")
        taken = {a.id for a in self.model_actions} | _builtin_action_ids()
        if action.id in taken:
            raise PluginError(f"action id {action.id!r} is already taken")
        self.model_actions.append(action)

    def add_panel(self, panel: PanelContribution) -> None:
        """Add a tab; raises :class:`PluginError` if its id is taken."""
        if not isinstance(panel, PanelContribution):
            raise PluginError(f"expected a PanelContribution, got {type(panel).__name__}")
        if any(p.id == panel.id for p in self.panels):
            raise PluginError(f"panel id {panel.id!r} is already taken")
        self.panels.append(panel)

    def add_board(self, board: Any) -> None:
        """Add a deploy target (``studio.deploy.board.Board``); it joins the board list the CLI and GUI read.

        Raises :class:`PluginError` if it is not a Board or another board has its id.
        """
        from studio.deploy.board import Board

        if not isinstance(board, Board):
            raise PluginError(f"expected a studio.deploy.board.Board, got {type(board).__name__}")
        taken = {b.id for b in self.boards}
        if board.id in taken:
            raise PluginError(f"board id {board.id!r} is already taken")
        self.boards.append(board)
        if self.forward:
            from studio.deploy import board_registry

            try:
                board_registry.register_board(board)
            except ValueError as exc:
                raise PluginError(str(exc)) from None

    def add_cli_commands(self, add_commands: Callable[[Any], None]) -> None:
        """Add CLI subcommands: ``add_commands(sub)`` gets the argparse subparsers object of ``tinyml-studio``
        (like a ``studio/cli/cmd_*.py`` module's ``add_commands``); raises :class:`PluginError` if not callable."""
        if not callable(add_commands):
            raise PluginError(f"expected a function add_commands(sub), got {type(add_commands).__name__}")
        self.cli_commands.append(add_commands)

    def merge(self, other: PluginRegistry) -> None:
        """Take over everything ``other`` (a scratch registry) collected, registering it for real.

        Id clashes are checked first, so a rejected plugin leaves this registry as it was.
        """
        clash = {a.id for a in other.model_actions} & {a.id for a in self.model_actions}
        clash |= {p.id for p in other.panels} & {p.id for p in self.panels}
        clash |= {b.id for b in other.boards} & {b.id for b in self.boards}
        if clash:
            raise PluginError(f"id {sorted(clash)[0]!r} is already taken by another plugin")
        for action in other.model_actions:
            self.add_model_action(action)
        for panel in other.panels:
            self.add_panel(panel)
        for reader in other.readers:
            self.add_reader(reader)
        for entry in other.zoo_entries:
            self.add_zoo_entry(entry)
        for board in other.boards:
            self.add_board(board)
        for add_commands in other.cli_commands:
            self.add_cli_commands(add_commands)

    def action(self, action_id: str) -> PluginAction:
        """The plugin action ``action_id``; ``KeyError`` if no plugin added it."""
        for action in self.model_actions:
            if action.id == action_id:
                return action
        raise KeyError(f"no plugin action {action_id!r}")


def _builtin_action_ids() -> set[str]:
    from studio.core.actions import ACTIONS

    return {a.id for a in ACTIONS}


def _register_reader_with_formats(reader: Any) -> None:
    # Imported late: the formats registry may not exist yet (or may import this module).
    try:
        formats_registry = importlib.import_module("studio.formats.registry")
    except ModuleNotFoundError as exc:
        if exc.name != "studio.formats.registry":
            raise
        logger.debug("no studio.formats.registry; reader %s kept in the plugin registry only", reader)
        return
    formats_registry.register_reader(reader)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_plugins(registry: PluginRegistry | None = None, group: str = PLUGIN_GROUP) -> list[PluginLoadReport]:
    """Load every entry point of ``group`` into ``registry`` (default: :func:`default_registry`).

    Returns one report per entry point, in name order. Never raises for a plugin's fault: import errors,
    exceptions from ``register`` (even ``SystemExit``) and invalid contributions become ``ok=False`` reports.
    """
    registry = registry if registry is not None else default_registry()
    reports: list[PluginLoadReport] = []
    seen: set[tuple[str, str]] = set()
    import importlib.metadata  # lazily: it pulls in the email package, ~40 ms before the window could show

    entry_points = sorted(importlib.metadata.entry_points(group=group), key=lambda ep: ep.name)
    for ep in entry_points:
        if (ep.name, ep.value) in seen:
            continue  # the same distribution found twice on sys.path (editable + installed)
        seen.add((ep.name, ep.value))
        scratch = PluginRegistry(forward=False)
        try:
            register = ep.load()
            if not callable(register):
                raise PluginError(f"{ep.value} is not a function")
            register(scratch)
            registry.merge(scratch)
        except (Exception, SystemExit) as exc:
            logger.warning("plugin %r (%s) failed to load", ep.name, ep.value, exc_info=True)
            reports.append(PluginLoadReport(ep.name, ok=False, error=_one_line(exc), target=ep.value))
            continue
        reports.append(PluginLoadReport(ep.name, ok=True, target=ep.value))
    return reports


def add_plugin_cli_commands(sub: Any, registry: PluginRegistry | None = None) -> list[PluginLoadReport]:
    """Load the plugins (unless ``registry`` is given, already loaded) and let each add its CLI subcommands.

    Returns one report per plugin whose commands failed to register (a name clash with a built-in command,
    a bug in its ``add_commands``); the CLI keeps working without that plugin's commands.
    """
    if registry is None:
        registry = PluginRegistry()
        load_plugins(registry)
    failures: list[PluginLoadReport] = []
    for add_commands in registry.cli_commands:
        target = f"{getattr(add_commands, '__module__', '?')}:{getattr(add_commands, '__qualname__', '?')}"
        try:
            add_commands(sub)
        except Exception as exc:
            logger.warning("plugin CLI commands %s failed to register", target, exc_info=True)
            failures.append(PluginLoadReport(target, ok=False, error=_one_line(exc), target=target))
    return failures


_DEFAULT: PluginRegistry | None = None


def default_registry() -> PluginRegistry:
    """The studio's registry (one per process), filled by :func:`load_plugins` at start-up."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PluginRegistry()
    return _DEFAULT
