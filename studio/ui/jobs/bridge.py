"""Turns job-manager events (sent from worker threads) into Qt signals delivered on the GUI thread.

Why coalesce: a job may report progress ten thousand times a second; views only need the latest state.
Events are collected under a lock; the first one after a flush wakes the GUI thread once through a queued
signal, and flushes happen at most every :data:`FLUSH_INTERVAL_MS`. Nothing polls: with no job events, the
bridge does no work at all.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio.core.jobs import JobEvent, JobManager
from studio.ui.jobs.signal_emit import emit_signal, post_call

#: Shortest time between two flushes, so each job updates its views at most ~20 times a second.
FLUSH_INTERVAL_MS = 50
#: Log lines held between flushes; a job logging faster than that loses the middle (its Job.log keeps it).
MAX_PENDING_LOG_LINES = 1000


class QtJobBridge(QObject):
    """Qt signals for a :class:`JobManager`, always emitted on the thread that owns the bridge (the GUI's).

    ``jobAdded(job_id)`` for a job first seen, ``jobChanged(job_id)`` when its state or progress changed
    (coalesced), ``jobLog(job_id, line)`` for each log line, ``jobRemoved(job_id)`` when it was cleared.
    Read the job itself with ``manager.get(job_id)``.
    """

    jobAdded = Signal(int)
    jobChanged = Signal(int)
    jobLog = Signal(int, str)
    jobRemoved = Signal(int)

    def __init__(self, manager: JobManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self._lock = threading.Lock()
        self._changed: dict[int, None] = {}  # ordered set of job ids
        self._logs: list[tuple[int, str]] = []
        self._dropped_logs: dict[int, int] = {}
        self._removed: list[int] = []
        self._wake_pending = False
        self._last_flush = 0.0
        self._known: set[int] = {job.id for job in manager.jobs}  # GUI thread only
        self._unsubscribe = manager.subscribe(self._on_event)
        unsubscribe = self._unsubscribe
        self.destroyed.connect(lambda *_: unsubscribe())

    def close(self) -> None:
        """Stop listening to the manager (also done when the bridge is destroyed)."""
        self._unsubscribe()

    # ---------------------------------------------------------------------------------- any thread
    def _on_event(self, event: JobEvent) -> None:
        job_id = event.job.id
        with self._lock:
            if event.kind == "removed":
                self._removed.append(job_id)
            elif event.kind == "log":
                if len(self._logs) < MAX_PENDING_LOG_LINES:
                    self._logs.append((job_id, event.line))
                else:
                    self._dropped_logs[job_id] = self._dropped_logs.get(job_id, 0) + 1
            self._changed[job_id] = None
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            post_call(self, "_on_wake")  # runs _on_wake on the GUI thread, after the current events
        except RuntimeError:  # the C++ object is gone (window closed): stop listening
            self._unsubscribe()

    # ---------------------------------------------------------------------------------- GUI thread
    @Slot()
    def _on_wake(self) -> None:
        wait_ms = FLUSH_INTERVAL_MS - (time.monotonic() - self._last_flush) * 1000.0
        if wait_ms <= 0:
            self.flush()
        else:
            QTimer.singleShot(int(wait_ms) + 1, self, self.flush)

    def flush(self) -> None:
        """Emit the signals for everything collected so far (normally called by the bridge itself)."""
        with self._lock:
            changed, self._changed = list(self._changed), {}
            logs, self._logs = self._logs, []
            dropped, self._dropped_logs = self._dropped_logs, {}
            removed, self._removed = self._removed, []
            self._wake_pending = False
        self._last_flush = time.monotonic()
        for job_id in changed:
            if job_id not in self._known and job_id not in removed:
                self._known.add(job_id)
                emit_signal(self, "jobAdded", job_id)
        for job_id, line in logs:
            emit_signal(self, "jobLog", job_id, line)
        for job_id, count in dropped.items():
            emit_signal(self, "jobLog", job_id, f"… {count} more log lines not shown here (see the job's log)")
        for job_id in changed:
            if job_id in self._known and job_id not in removed:
                emit_signal(self, "jobChanged", job_id)
        for job_id in removed:
            if job_id in self._known:
                self._known.discard(job_id)
                emit_signal(self, "jobRemoved", job_id)

    def job(self, job_id: int) -> Any:
        """The manager's job with ``job_id`` (KeyError once cleared)."""
        return self.manager.get(job_id)
