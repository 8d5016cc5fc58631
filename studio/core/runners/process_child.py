"""The worker-process side of the process runner: set the process up, run the job, send everything back.

Kept apart from the parent side so the child imports as little as possible: this module, the job context and
the job function's own module. Messages are plain tuples on a one-way pipe:
``("progress", done, total, message)``, ``("log", line)``, ``("result", value)``,
``("failed", error, detail)``, ``("cancelled",)`` and ``("paused", resume_kwargs)``.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from studio.core.runners.context import CancelFlag, JobCancelled, JobContext, JobPaused
from studio.core.runners.outcome import describe_exception

#: Exit status the child uses when it ran out of memory and could not even report that through the pipe.
OUT_OF_MEMORY_STATUS = 86


def worker_main(
    conn: Connection,
    cancel_flag: CancelFlag,
    payload: bytes,
    parent_sys_path: list[str],
    memory_limit_mb: int | None,
    crash_report_path: str | None,
    pause_flag: CancelFlag | None = None,
    nice: int = 0,
) -> None:
    """Entry point of the spawned worker (``multiprocessing`` ``target``).

    ``payload`` is ``pickle.dumps((fn, kwargs))``: unpickled only here, after ``sys.path`` matches the
    parent's, so the job's module imports the same way it did in the studio.
    """
    # Ctrl+C in a terminal reaches the whole process group; the parent decides when the worker stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    crash_report = _enable_crash_report(crash_report_path)
    _adopt_sys_path(parent_sys_path)
    if nice and hasattr(os, "nice"):
        os.nice(int(nice))  # background work: the window's process keeps the CPU it needs
    if memory_limit_mb is not None:
        _limit_address_space(memory_limit_mb)
    try:
        _run_and_report(conn, cancel_flag, payload, pause_flag)
    except MemoryError:
        # Sending the report needed memory too; the status code still tells the parent why.
        os._exit(OUT_OF_MEMORY_STATUS)
    finally:
        conn.close()
        if crash_report is not None:
            faulthandler.disable()
            crash_report.close()


def _run_and_report(
    conn: Connection, cancel_flag: CancelFlag, payload: bytes, pause_flag: CancelFlag | None = None
) -> None:
    def send_progress(done: float, total: float, message: str) -> None:
        conn.send(("progress", done, total, message))

    def send_log(line: str) -> None:
        conn.send(("log", line))

    try:
        fn, kwargs = pickle.loads(payload)
    except Exception as exc:
        error, detail = describe_exception(exc)
        conn.send(("failed", f"could not load the job in the worker: {error}", detail))
        return
    ctx = JobContext(send_progress, send_log, cancel_flag, pause_flag)
    try:
        result = fn(ctx, **kwargs)
    except JobCancelled:
        conn.send(("cancelled",))
        return
    except JobPaused as paused:
        conn.send(("paused", paused.resume_kwargs))
        return
    except MemoryError as exc:
        del exc  # free the frames that may hold the large allocation before reporting
        conn.send(("failed", "worker ran out of memory", ""))
        return
    except Exception as exc:
        error, detail = describe_exception(exc)
        conn.send(("failed", error, detail))
        return
    if cancel_flag.is_set():
        conn.send(("cancelled",))
        return
    try:
        # Plain pickle, not the connection's ForkingPickler: torch registers reducers that pass tensors as shared
        # memory owned by this process, which vanishes when the worker exits. Pickled bytes outlive it.
        conn.send_bytes(pickle.dumps(("result", result), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:  # an unpicklable result: say so instead of crashing the worker
        error, detail = describe_exception(exc)
        conn.send(("failed", f"the job's result cannot be sent back to the studio: {error}", detail))


def _adopt_sys_path(parent_sys_path: list[str]) -> None:
    for entry in reversed(parent_sys_path):
        if entry not in sys.path:
            sys.path.insert(0, entry)


def _limit_address_space(memory_limit_mb: int) -> None:
    import resource

    limit = int(memory_limit_mb) * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _enable_crash_report(path: str | None) -> Any:
    """Let a segfault leave its Python stack in ``path`` so the parent can show it as the error's detail."""
    if path is None:
        return None
    try:
        report = open(path, "w")  # noqa: SIM115 - must stay open for faulthandler until the worker ends
    except OSError:
        return None
    faulthandler.enable(file=report, all_threads=True)
    return report
