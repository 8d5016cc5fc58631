"""Routes a finished job's result (or failure) to the callback that submitted it, on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject


class JobResultRouter(QObject):
    """``submit(spec, on_success, on_failure)``; callbacks run once, when the job reaches a final state.

    Why: the job panel shows every job the same way, but the window must also act on a result (show the
    graph after "Open", fill the latency column after "Measure latency"); keeping that map here keeps the
    window's code about what to do, not about job bookkeeping.
    """

    def __init__(self, manager: Any, bridge: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._manager = manager
        self._callbacks: dict[Any, tuple[Callable[[Any], None], Callable[[Any], None] | None]] = {}
        bridge.jobChanged.connect(self._on_changed)

    def submit(
        self, spec: Any, on_success: Callable[[Any], None], on_failure: Callable[[Any], None] | None = None
    ) -> Any:
        """Submit ``spec`` to the manager and remember what to do when it ends."""
        job = self._manager.submit(spec)
        self._callbacks[job.id] = (on_success, on_failure)
        # A thread job can finish before we stored the callbacks; check once now.
        self._on_changed(job.id)
        return job

    def _on_changed(self, job_id: Any) -> None:
        if job_id not in self._callbacks:
            return
        job = self._manager.get(job_id)
        state = job.state.name
        if state not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return
        on_success, on_failure = self._callbacks.pop(job_id)
        if state == "SUCCEEDED":
            on_success(job.result)
        elif on_failure is not None:
            on_failure(job)
