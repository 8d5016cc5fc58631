"""What a stage panel gets from the window: the session, jobs, the project and a few window services.

Why one object: a stage must work inside the window and on its own (``python -m studio.ui.<stage>.panel``
opens it on the demo model), so it talks to this narrow interface, never to the main window directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal


class StageContext(QObject):
    """Session, job submission, data set and selection, shared by every stage.

    Signals: ``modelChanged(what)`` mirrors :class:`StudioSession` ``changed`` ("model" or "results");
    ``layerSelected(name)`` fires when the user selects a layer anywhere (graph, table, another stage);
    ``undoStacksChanged()`` fires when a stage offers or withdraws an undo stack, or an offered stack changes.
    ``projectChanged()`` fires when the window opened or recovered another project (``project`` is the new one).

    Undo: a stage that edits something of its own (the Quantum stage's circuit) offers its undo stack with
    :meth:`offer_undo_stack`; while that stage is the one shown, the window's Edit > Undo/Redo (Ctrl+Z,
    Ctrl+Shift+Z) act on that stack, with its texts, instead of on the model's history.
    """

    modelChanged = Signal(str)
    layerSelected = Signal(str)
    undoStacksChanged = Signal()
    projectChanged = Signal()

    def __init__(
        self,
        session: Any,
        services: Any,
        submit: Callable[..., Any],
        project: Callable[[], Any],
        status: Callable[[str, int], None] | None = None,
        on_failure: Callable[[Any], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.services = services
        self._submit = submit
        self._project = project
        self._status = status
        self._on_failure = on_failure
        self._undo_stacks: dict[int, Any] = {}  # id(stage widget) -> its UndoStack
        session.changed.connect(self._forward_change)

    def _forward_change(self, what: str) -> None:
        self.modelChanged.emit(what)

    @property
    def project(self) -> Any:
        """The window's current project (it changes when the user opens another)."""
        return self._project()

    def data_spec(self) -> str:
        """The data set steps should use: the project's, else the preference's default."""
        return self.project.dataset or self.services.preferences.default_dataset

    def submit(
        self, spec: Any, on_success: Callable[[Any], None], on_failure: Callable[[Any], None] | None = None
    ) -> Any:
        """Run a :class:`~studio.core.jobs.JobSpec`; ``on_success(result)`` runs on the GUI thread.

        Without ``on_failure`` a failed job is shown the window's usual way (a dialog with its one-line error).
        """
        return self._submit(spec, on_success, on_failure or self._on_failure)

    def show_failure(self, job: Any) -> None:
        """Show a failed job the window's usual way (for callers that pass their own ``on_failure`` and only
        handle some failures themselves)."""
        if self._on_failure is not None:
            self._on_failure(job)

    def status(self, message: str, timeout_ms: int = 4000) -> None:
        """Show a transient message in the status bar."""
        if self._status is not None:
            self._status(message, timeout_ms)

    def select_layer(self, name: str) -> None:
        """Select ``name`` in every view (graph, layer table, other stages)."""
        self.layerSelected.emit(name)

    # --- a stage's own undo history ---------------------------------------------------------------------------
    def offer_undo_stack(self, stage_widget: QObject, stack: Any) -> None:
        """While ``stage_widget`` (the widget the stage's factory returned) is shown, undo/redo act on ``stack``
        (a :class:`~studio.core.commands.UndoStack`). The offer ends with :meth:`withdraw_undo_stack` or when
        the widget is destroyed."""
        key = id(stage_widget)
        if key not in self._undo_stacks:
            stage_widget.destroyed.connect(lambda *_: self._forget_undo_stack(key))
        self._undo_stacks[key] = stack
        stack.changed.connect(self._on_offered_stack_changed)
        self.undoStacksChanged.emit()

    def withdraw_undo_stack(self, stage_widget: QObject) -> None:
        """Give undo/redo back to the model's history while ``stage_widget`` is shown."""
        self._forget_undo_stack(id(stage_widget))

    def undo_stack_for(self, stage_widget: QObject | None) -> Any:
        """The stack ``stage_widget`` offered, or None (then the model's history is the one to undo)."""
        return None if stage_widget is None else self._undo_stacks.get(id(stage_widget))

    def _forget_undo_stack(self, key: int) -> None:
        if not shiboken6.isValid(self):  # the window (and this context) went first; nothing to tell
            return
        stack = self._undo_stacks.pop(key, None)
        if stack is not None:
            if stack not in self._undo_stacks.values():
                stack.changed.disconnect(self._on_offered_stack_changed)
            self.undoStacksChanged.emit()

    def _on_offered_stack_changed(self) -> None:
        self.undoStacksChanged.emit()


def standalone_context(target: str = "demo", parent: QObject | None = None) -> StageContext:
    """A context outside the main window, with ``target`` opened synchronously (for ``python -m`` previews
    and panel tests). Raises :class:`~studio.core.errors.StudioError` when the model can't be opened."""
    from studio.app import AppServices
    from studio.ui.job_results import JobResultRouter
    from studio.ui.jobs.bridge import QtJobBridge
    from studio.workflows.model_spec import resolve_model_spec
    from studio.workflows.open_model import open_and_profile
    from studio.workflows.session import StudioSession

    services = AppServices()
    project = services.new_project()
    bridge = QtJobBridge(services.jobs, parent)
    router = JobResultRouter(services.jobs, bridge, parent)
    session = StudioSession()
    ctx = StageContext(session, services, router.submit, lambda: project, parent=parent)
    ctx.bridge = bridge  # type: ignore[attr-defined]  # kept alive with the context
    ctx.router = router  # type: ignore[attr-defined]
    session.open_model(open_and_profile(resolve_model_spec(target)))
    return ctx
