"""Example job functions: what ``python -m studio.ui.jobs.panel`` runs, and a template for real jobs.

Module-level and Qt-free on purpose: the process runner's worker imports this module by name.
"""

from __future__ import annotations

import ctypes
import time

from studio.core.errors import DataError
from studio.core.runners.context import JobContext


def count_steps(ctx: JobContext, steps: int = 40, step_s: float = 0.1, label: str = "step") -> int:
    """Do ``steps`` small sleeps, reporting each one; stops early (raising) when cancelled."""
    for i in range(1, steps + 1):
        ctx.check_cancelled()
        time.sleep(step_s)
        ctx.progress(i, steps, f"{label} {i}")
        if i % 10 == 0:
            ctx.log(f"finished {label} {i} of {steps}")
    return steps


def crash_worker(ctx: JobContext, after_steps: int = 5) -> None:
    """Report a few steps, then segfault: the worker dies, the studio shows why and lives on."""
    for i in range(1, after_steps + 1):
        time.sleep(0.1)
        ctx.progress(i, 20, f"step {i}")
    ctx.log("reading address 0 now")
    ctypes.string_at(0)


def fail_with_bad_data(ctx: JobContext, path: str = "/nowhere/data.npz") -> None:
    """Fail the way a user mistake does: a one-line StudioError, no traceback needed to understand it."""
    ctx.progress(0, 1, "loading data")
    raise DataError(f"data set {path} not found")


def bug_in_job(ctx: JobContext) -> None:
    """Fail the way a bug does: ``TypeName: message`` plus a traceback under Details."""
    ctx.progress(3, 10, "parsing")
    raise ValueError("unexpected tensor rank 5 in layer 'conv3'")
