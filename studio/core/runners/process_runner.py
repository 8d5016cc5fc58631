"""Run a job function in a spawned worker process, so a crash or an out-of-memory kills the worker, not us.

The calling thread (one per job, owned by the job manager) starts the worker, reads its messages from a
pipe, forwards them to the callbacks and turns the way the worker ended into a :class:`JobOutcome`.
Cancellation is cooperative first (a shared Event the job sees as ``ctx.cancelled``); a worker that has not
stopped after the grace period is terminated, then killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from studio.core.runners.context import LogSink, ProgressSink
from studio.core.runners.outcome import JobOutcome, describe_exception
from studio.core.runners.process_child import OUT_OF_MEMORY_STATUS, worker_main

#: How often the reading thread looks at the cancel request while the worker is silent.
_CANCEL_CHECK_S = 0.1
#: After SIGTERM, how long a worker gets before SIGKILL.
_TERMINATE_WAIT_S = 1.0


def run_in_process(
    fn: Callable[..., Any],
    kwargs: Mapping[str, Any],
    on_progress: ProgressSink,
    on_log: LogSink,
    cancel_requested: threading.Event,
    *,
    grace_s: float = 3.0,
    memory_limit_mb: int | None = None,
    pause_requested: threading.Event | None = None,
    nice: int = 0,
) -> JobOutcome:
    """Run ``fn(ctx, **kwargs)`` in a fresh ``spawn`` process and wait for it, forwarding its reports.

    ``fn`` must be a module-level function; ``kwargs`` and the result must be picklable. Returns a failed
    outcome (never raises) when the job cannot be sent, the worker crashes or it runs out of memory.
    ``pause_requested`` is forwarded to the worker (``ctx.pause_requested``); a job that pauses ends with a
    paused outcome carrying its resume arguments.
    """
    try:
        payload = pickle.dumps((fn, dict(kwargs)))
    except Exception as exc:
        error, detail = describe_exception(exc)
        return JobOutcome.failed(f"job cannot be sent to a worker process: {error}", detail)

    spawn = multiprocessing.get_context("spawn")
    reader, writer = spawn.Pipe(duplex=False)
    cancel_flag = spawn.Event()
    pause_flag = spawn.Event()
    crash_fd, crash_path = tempfile.mkstemp(prefix="studio-job-", suffix=".crash.txt")
    os.close(crash_fd)
    process = spawn.Process(
        target=worker_main,
        args=(writer, cancel_flag, payload, list(sys.path), memory_limit_mb, crash_path, pause_flag, nice),
        name=f"studio-job-{getattr(fn, '__name__', 'fn')}",
        daemon=True,
    )
    try:
        process.start()
    except Exception as exc:
        reader.close()
        writer.close()
        Path(crash_path).unlink(missing_ok=True)
        error, detail = describe_exception(exc)
        return JobOutcome.failed(f"could not start a worker process: {error}", detail)
    writer.close()  # only the child writes; closing our copy lets us see EOF when it dies
    try:
        watch = _WorkerWatch(process, reader, cancel_flag, cancel_requested, grace_s, pause_flag, pause_requested)
        final = watch.pump(on_progress, on_log)
        process.join()
        return _outcome(final, process.exitcode, watch.terminated, cancel_requested.is_set(), crash_path)
    finally:
        reader.close()
        if process.is_alive():  # only when the pump itself failed: never leave a worker behind
            process.kill()
            process.join()
        process.close()
        Path(crash_path).unlink(missing_ok=True)


class _WorkerWatch:
    """Reads a worker's pipe until it ends, enforcing the cancel grace period on the way."""

    def __init__(
        self,
        process: Any,
        reader: Connection,
        cancel_flag: Any,
        cancel_requested: threading.Event,
        grace_s: float,
        pause_flag: Any = None,
        pause_requested: threading.Event | None = None,
    ) -> None:
        self.process = process
        self.pause_flag = pause_flag
        self.pause_requested = pause_requested
        self.reader = reader
        self.cancel_flag = cancel_flag
        self.cancel_requested = cancel_requested
        self.grace_s = grace_s
        self.deadline: float | None = None
        self.terminated = False

    def pump(self, on_progress: ProgressSink, on_log: LogSink) -> tuple[Any, ...] | None:
        """Forward reports until the worker sends its final message or dies; return that final message."""
        while True:
            self._enforce_cancel()
            if self.pause_requested is not None and self.pause_requested.is_set() and not self.pause_flag.is_set():
                self.pause_flag.set()
            ready = wait([self.reader, self.process.sentinel], timeout=_CANCEL_CHECK_S)
            # Read before looking at the sentinel: a dead worker's last words are still in the pipe.
            if self.reader.poll():
                try:
                    message = self.reader.recv()
                except (EOFError, OSError):
                    return None
                if message[0] == "progress":
                    on_progress(message[1], message[2], message[3])
                elif message[0] == "log":
                    on_log(message[1])
                else:
                    return message
            elif self.process.sentinel in ready:
                return None

    def _enforce_cancel(self) -> None:
        if not self.cancel_requested.is_set():
            return
        now = time.monotonic()
        if self.deadline is None:
            self.cancel_flag.set()
            self.deadline = now + self.grace_s
        if now >= self.deadline and not self.terminated and self.process.is_alive():
            self.terminated = True
            self.process.terminate()
            self.process.join(_TERMINATE_WAIT_S)
            if self.process.is_alive():
                self.process.kill()


def _outcome(
    final: tuple[Any, ...] | None, exitcode: int | None, terminated: bool, cancel_asked: bool, crash_path: str
) -> JobOutcome:
    if final is not None:
        if final[0] == "result":
            return JobOutcome.cancelled() if cancel_asked else JobOutcome.succeeded(final[1])
        if final[0] == "cancelled":
            return JobOutcome.cancelled()
        if final[0] == "paused":
            return JobOutcome.cancelled() if cancel_asked else JobOutcome.paused(final[1])
        if final[0] == "failed":
            return JobOutcome.cancelled() if cancel_asked else JobOutcome.failed(final[1], final[2])
    if terminated or cancel_asked:
        return JobOutcome.cancelled()
    return JobOutcome.failed(exit_reason(exitcode), _read_crash_report(crash_path))


def exit_reason(exitcode: int | None) -> str:
    """One line explaining why a worker that sent no result ended (``Process.exitcode`` semantics)."""
    if exitcode is None:
        return "worker vanished without an exit status"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return f"worker crashed: killed by signal {name} (likely out of memory)"
        return f"worker crashed: killed by signal {name}"
    if exitcode == OUT_OF_MEMORY_STATUS:
        return "worker ran out of memory"
    if exitcode == 0:
        return "worker exited without sending a result"
    return f"worker exited with status {exitcode}"


def _read_crash_report(path: str) -> str:
    with contextlib.suppress(OSError):
        return Path(path).read_text(errors="replace").strip()
    return ""
