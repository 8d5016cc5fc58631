"""The state of one studio window, Qt-free: the project, the open model version, and its measured results.

Why here and not in the window: the GUI observes this object (through its events) and edits it only through
undoable commands, so the same behaviour is testable without Qt and a future second view stays in sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from studio.core.commands import Command, UndoStack
from studio.core.events import EventEmitter
from studio.workflows.open_model import OpenedModel

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


@dataclass(frozen=True)
class ModelVersion:
    """An immutable snapshot: undo and redo move between versions instead of recomputing anything."""

    opened: OpenedModel
    evaluation: dict[str, Any] | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    steps: tuple[dict[str, Any], ...] = ()  # recipe steps from the opened file to this version


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

    def open_model(self, opened: OpenedModel, steps: tuple[dict[str, Any], ...] = ()) -> None:
        """Make ``opened`` current, as an undoable step (undo reopens the previous model instantly).

        ``steps`` are the recipe steps already applied to ``opened`` (a project reopened with its history).
        """
        version = ModelVersion(opened, steps=tuple(dict(s) for s in steps))
        self.undo_stack.push(_SwitchVersionCommand(self, version, f"Open {opened.model.display_name}"))

    def derive(self, model: LoadedModel, text: str, step: dict[str, Any] | None = None) -> None:
        """Make a derived model (pruned, quantized, fine-tuned ...) current, as one undoable step.

        ``step`` is the recipe step that produced it (see :mod:`studio.recipe`); it is appended to the
        version's recorded steps so the project can save, and the CLI replay, what was done.
        """
        from studio.analysis.profile import profile_graph

        if self._version is None:
            raise ValueError("derive() needs an open model")
        steps = self._version.steps + ((dict(step),) if step else ())
        model.metadata["steps"] = [dict(s) for s in steps]
        opened = OpenedModel(self._version.opened.spec, model, profile_graph(model.graph))
        self.undo_stack.push(_SwitchVersionCommand(self, ModelVersion(opened, steps=steps), text))

    def handle(self) -> Any:
        """A :class:`~studio.workflows.model_handle.ModelHandle` of the current version, for a job."""
        from studio.workflows.model_handle import handle_for

        if self._version is None:
            raise ValueError("no model is open")
        return handle_for(self._version.opened, self._version.steps)

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
