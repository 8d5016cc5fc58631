"""Job log lines as a Qt signal on the GUI thread (for live plots of a running job)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


class JobLogSignal(QObject):
    """``line(job_id, text)`` for every log line of every job; the manager calls us from worker threads and
    Qt queues the signal to the receivers' (GUI) thread."""

    line = Signal(int, str)

    def __init__(self, manager: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = manager.subscribe(self._on_event)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def _on_event(self, event: Any) -> None:
        if event.kind == "log":
            self.line.emit(int(event.job.id), str(event.line))

    def close(self) -> None:
        """Stop listening (the panel is going away)."""
        self._unsubscribe()
