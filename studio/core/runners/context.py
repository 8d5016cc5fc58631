"""What a job function sees of the world: progress, log and a cancel flag.

Why one small object instead of callbacks in every signature: the same job function runs in a thread, in a
spawned worker process, from the CLI or from a test, and only this object changes between them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check_cancelled` so a job can unwind from deep inside a loop."""


class JobPaused(Exception):
    """Raised by :meth:`JobContext.check_paused` after the job saved a checkpoint.

    ``resume_kwargs`` are merged into the job's keyword arguments when it is resumed (typically the path of
    the checkpoint it just wrote), so the resumed run starts where this one stopped.
    """

    def __init__(self, resume_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__("job paused")
        self.resume_kwargs = dict(resume_kwargs or {})


class CancelFlag(Protocol):
    """Anything with ``is_set()``: a :class:`threading.Event` or a multiprocessing ``Event``."""

    def is_set(self) -> bool: ...


ProgressSink = Callable[[float, float, str], None]
LogSink = Callable[[str], None]


class _NeverSet:
    def is_set(self) -> bool:
        return False


class JobContext:
    """Given to ``fn(ctx, **kwargs)``: report via :meth:`progress`/:meth:`log`, stop once cancelled."""

    def __init__(
        self, on_progress: ProgressSink, on_log: LogSink, cancel_flag: CancelFlag, pause_flag: CancelFlag | None = None
    ) -> None:
        self._on_progress = on_progress
        self._on_log = on_log
        self._cancel_flag = cancel_flag
        self._pause_flag = pause_flag if pause_flag is not None else _NeverSet()

    @classmethod
    def standalone(cls, on_progress: ProgressSink | None = None, on_log: LogSink | None = None) -> JobContext:
        """A context that is never cancelled, for running a job function directly (CLI, notebooks, tests)."""
        return cls(on_progress or (lambda _d, _t, _m: None), on_log or (lambda _line: None), _NeverSet())

    def progress(self, done: float, total: float, message: str = "") -> None:
        """Report that ``done`` of ``total`` units are finished; ``total <= 0`` means "unknown amount"."""
        self._on_progress(done, total, str(message))

    def log(self, message: object) -> None:
        """Append a line to the job's log (multi-line text becomes several lines)."""
        for line in str(message).splitlines() or [""]:
            self._on_log(line)

    @property
    def cancelled(self) -> bool:
        """True once someone asked the job to stop; the job should return soon (or call check_cancelled)."""
        return self._cancel_flag.is_set()

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` if cancellation was requested, else do nothing."""
        if self._cancel_flag.is_set():
            raise JobCancelled("job cancelled")

    @property
    def pause_requested(self) -> bool:
        """True once someone asked the job to pause; a pausable job saves a checkpoint and calls check_paused."""
        return self._pause_flag.is_set()

    def check_paused(self, **resume_kwargs: Any) -> None:
        """Raise :class:`JobPaused` carrying ``resume_kwargs`` if a pause was requested, else do nothing.

        Call it right after writing a checkpoint, with the arguments that make the job continue from it.
        """
        if self._pause_flag.is_set():
            raise JobPaused(resume_kwargs)
