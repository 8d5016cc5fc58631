"""The state of one studio window, Qt-free: the project, the open model version, and its measured results.

Why here and not in the window: the GUI observes this object (through its events) and edits it only through
undoable commands, so the same behaviour is testable without Qt and a future second view stays in sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from studio.core.commands import Command, UndoStack
from studio.core.events import EventEmitter
from studio.workflows.open_model import OpenedModel


@dataclass(frozen=True)
class ModelVersion:
    """An immutable snapshot: undo and redo move between versions instead of recomputing anything."""

    opened: OpenedModel
    evaluation: dict[str, Any] | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)


class StudioSession:
    """Holds the current :class:`ModelVersion` and an undo stack; emits ``changed(what)``.

    ``what`` is ``"model"`` when a different model version became current, ``"results"`` when only
    measurements (accuracy, latency) of the current one changed.
    """

    def __init__(self) -> None:
        self.undo_stack = UndoStack()
        self.changed = EventEmitter()
        self._version: ModelVersion | None = None

    @property
    def version(self) -> ModelVersion | None:
        """The current model version, if a model is open."""
        return self._version

    @property
    def opened(self) -> OpenedModel | None:
        """The current loaded model and profile."""
        return self._version.opened if self._version else None

    def _set_version(self, version: ModelVersion | None, what: str) -> None:
        self._version = version
        self.changed.emit(what)

    def open_model(self, opened: OpenedModel) -> None:
        """Make ``opened`` current, as an undoable step (undo reopens the previous model instantly)."""
        self.undo_stack.push(_SwitchVersionCommand(self, ModelVersion(opened), f"Open {opened.model.display_name}"))

    def record_evaluation(self, result: dict[str, Any]) -> None:
        """Attach an accuracy result to the current version (a measurement, not an undoable edit)."""
        if self._version is not None:
            self._set_version(replace(self._version, evaluation=result), "results")

    def record_latency(self, per_node_ms: dict[str, float]) -> None:
        """Attach measured per-layer latency and refresh the profile's latency column."""
        if self._version is None:
            return
        opened = self._version.opened
        profile = opened.profile.with_latency(per_node_ms)
        new_opened = OpenedModel(opened.spec, opened.model, profile)
        self._set_version(replace(self._version, opened=new_opened, latency_ms=dict(per_node_ms)), "results")


class _SwitchVersionCommand(Command):
    """Replace the current version; undo restores the one before."""

    def __init__(self, session: StudioSession, new: ModelVersion, text: str) -> None:
        self.session = session
        self.new = new
        self.old: ModelVersion | None = None
        self.text = text

    def do(self) -> None:
        self.old = self.session.version
        self.session._set_version(self.new, "model")

    def undo(self) -> None:
        self.session._set_version(self.old, "model")
