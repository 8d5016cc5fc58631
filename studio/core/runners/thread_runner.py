"""Run a job function on the calling thread (the job manager gives each job its own thread).

For short work that needs the caller's objects (closures, loaded models): nothing is pickled, nothing is
isolated, so a crash here is a crash of the studio. Training and search use the process runner instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from studio.core.runners.context import JobCancelled, JobContext, JobPaused, LogSink, ProgressSink
from studio.core.runners.outcome import JobOutcome, describe_exception


def run_in_thread(
    fn: Callable[..., Any],
    kwargs: Mapping[str, Any],
    on_progress: ProgressSink,
    on_log: LogSink,
    cancel_requested: threading.Event,
    pause_requested: threading.Event | None = None,
) -> JobOutcome:
    """Call ``fn(ctx, **kwargs)`` here and turn its return or exception into a :class:`JobOutcome`.

    A job that returns after cancellation was requested counts as cancelled: its (partial) result is dropped.
    A job that raises :class:`JobPaused` (``ctx.check_paused``) ends paused, with its resume arguments.
    """
    ctx = JobContext(on_progress, on_log, cancel_requested, pause_requested)
    try:
        result = fn(ctx, **kwargs)
    except JobCancelled:
        return JobOutcome.cancelled()
    except JobPaused as paused:
        return JobOutcome.cancelled() if cancel_requested.is_set() else JobOutcome.paused(paused.resume_kwargs)
    except MemoryError as exc:
        return JobOutcome.failed("job ran out of memory", describe_exception(exc)[1])
    except BaseException as exc:  # SystemExit in a job must not silently end the thread
        if cancel_requested.is_set():
            return JobOutcome.cancelled()
        error, detail = describe_exception(exc)
        return JobOutcome.failed(error, detail)
    if cancel_requested.is_set():
        return JobOutcome.cancelled()
    return JobOutcome.succeeded(result)
