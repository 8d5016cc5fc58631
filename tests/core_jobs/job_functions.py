"""Job functions for the job tests; module-level so the process runner's spawned worker can import them."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from typing import Any

from studio.core.errors import DataError
from studio.core.jobs import JobContext


def count_to(ctx: JobContext, n: int, delay_s: float = 0.0) -> int:
    """Report progress 1..n, log each step, return the sum 1..n."""
    total = 0
    for i in range(1, n + 1):
        if delay_s:
            time.sleep(delay_s)
        total += i
        ctx.progress(i, n, f"step {i}")
        ctx.log(f"did step {i}")
    return total


def wait_for_cancel(ctx: JobContext, limit_s: float = 20.0) -> str:
    """Loop until cancelled, checking cooperatively."""
    ctx.progress(0, 1, "waiting")
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        ctx.check_cancelled()
        time.sleep(0.01)
    return "never cancelled"


def ignore_cancel(ctx: JobContext, limit_s: float = 30.0) -> str:
    """Sleep without ever looking at ctx.cancelled: only termination stops it."""
    ctx.progress(0, 1, "sleeping")
    time.sleep(limit_s)
    return "slept"


def segfault(ctx: JobContext) -> None:
    ctx.log("about to crash")
    ctypes.string_at(0)


def exit_with_status(ctx: JobContext, status: int) -> None:
    os._exit(status)


def kill_self(ctx: JobContext, signal_number: int = signal.SIGSEGV) -> None:
    os.kill(os.getpid(), signal_number)
    time.sleep(5)


def raise_value_error(ctx: JobContext) -> None:
    raise ValueError("bad value 42")


def raise_data_error(ctx: JobContext) -> None:
    raise DataError("data set 'nowhere' not found")


def allocate(ctx: JobContext, megabytes: int) -> int:
    """Allocate ``megabytes`` at once (fails under a smaller memory limit)."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def heavy_modules_loaded(ctx: JobContext) -> list[str]:
    """Which heavy packages the worker process has imported (it should be none)."""
    return sorted(name for name in ("torch", "PySide6", "onnx", "onnxruntime") if name in sys.modules)


def return_unpicklable(ctx: JobContext) -> Any:
    return lambda: None


def count_with_checkpoints(ctx: JobContext, n: int, checkpoint: str, start: int = 0, delay_s: float = 0.02) -> int:
    """Count start..n, writing the position to ``checkpoint`` after each step and pausing there when asked."""
    from pathlib import Path

    done = start
    for i in range(start, n):
        ctx.check_cancelled()
        time.sleep(delay_s)
        done = i + 1
        Path(checkpoint).write_text(str(done))
        ctx.progress(done, n, f"step {done}")
        ctx.check_paused(start=done)
    return done + 1000 * start  # the result shows where the last run started


def make_torch_module(ctx: JobContext, width: int) -> Any:
    """A job returning torch objects: they must survive the worker's exit (no shared-memory handles)."""
    import torch

    torch.manual_seed(0)
    return {"module": torch.nn.Linear(width, 2), "tensor": torch.arange(width, dtype=torch.float32)}
