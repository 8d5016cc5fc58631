"""Job functions whose pace a test controls, so widgets can be checked in a known intermediate state."""

from __future__ import annotations

import threading
import time

from studio.core.jobs import JobContext


class Gate:
    """The job reports ``done`` of ``total`` then blocks until the test opens the gate (or cancels)."""

    def __init__(self) -> None:
        self.reported = threading.Event()
        self.opened = threading.Event()

    def job(self, ctx: JobContext, done: int = 3, total: int = 10) -> str:
        ctx.progress(done, total, "halfway there")
        ctx.log("reported progress")
        self.reported.set()
        while not self.opened.wait(0.01):
            ctx.check_cancelled()
        return "finished"


def flood_progress(ctx: JobContext, reports: int, pause_every: int = 10) -> int:
    """Report progress very often (with short sleeps that let the GUI thread run in between): the bridge
    must not pass each report on to the GUI."""
    for i in range(1, reports + 1):
        ctx.progress(i, reports)
        if i % pause_every == 0:
            time.sleep(0.001)
    return reports


def fail(ctx: JobContext) -> None:
    ctx.progress(1, 4, "checking shapes")
    raise ValueError("shapes (3, 4) and (5,) do not match")
