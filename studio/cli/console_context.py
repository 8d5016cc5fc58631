"""A job context for the terminal: progress on stderr (only when it is a TTY), cancel on Ctrl+C."""

from __future__ import annotations

import sys
import time


class ConsoleJobContext:
    """Runs a job function in the foreground with the same ``ctx`` API the GUI's runners provide.

    Why: CLI commands call the very job functions the GUI submits, so they need a context too; this one
    draws a one-line progress indicator on an interactive stderr and stays silent in pipes and CI logs.
    """

    def __init__(self, *, quiet: bool = False) -> None:
        self._quiet = quiet or not sys.stderr.isatty()
        self._last_draw = 0.0
        self.cancelled = False
        self.messages: list[str] = []

    def progress(self, done: float, total: float, message: str = "") -> None:
        """Redraw the progress line at most ten times a second."""
        now = time.monotonic()
        if self._quiet or (now - self._last_draw < 0.1 and done < total):
            return
        self._last_draw = now
        pct = 100.0 * done / total if total else 0.0
        sys.stderr.write(f"\r{pct:5.1f}% {message[:60]:<60}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def log(self, message: str) -> None:
        """Keep log lines; print them only in verbose (non-quiet, interactive) use."""
        self.messages.append(message)

    def check_cancelled(self) -> None:
        """Ctrl+C raises KeyboardInterrupt on its own; nothing else cancels a foreground command."""
