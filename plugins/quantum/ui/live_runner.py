"""Runs :func:`~plugins.quantum.live.live_snapshot` after every edit without blocking the window.

Ideal circuits of up to :data:`SYNC_QUBITS` qubits take milliseconds and run right away on the GUI thread (the
views update as the gate lands). Noisy runs (a device means transpiling first) and the first run (torch is
still loading) go to one background thread; only the newest request's result is shown.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Slot

from plugins.quantum.live import live_snapshot
from studio.core.errors import StudioError
from studio.ui.jobs.signal_emit import post_call

SYNC_QUBITS = 8


class LiveRunner(QObject):
    """``request(...)`` -> ``on_result(snapshot)`` or ``on_error(message)`` on the GUI thread, newest only."""

    def __init__(
        self, on_result: Callable[[Any], None], on_error: Callable[[str], None], parent: QObject | None = None
    ):
        super().__init__(parent)
        self._on_result = on_result
        self._on_error = on_error
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quantum-live")
        self._lock = threading.Lock()
        self._generation = 0
        self._done: list[tuple[int, Any]] = []
        self.ready = threading.Event()
        self.busy = False
        self._pool.submit(self._warm_up)

    def _warm_up(self) -> None:
        import torch  # noqa: F401  (the first import takes a second or more: never on the GUI thread)

        from plugins.quantum.circuit.model import Circuit

        live_snapshot(Circuit(1))
        self.ready.set()

    def request(self, circuit: Any, noise: Any, column: int | None, shots: int) -> None:
        self._generation += 1
        generation = self._generation
        if self.ready.is_set() and noise is None and circuit.num_qubits <= SYNC_QUBITS:
            self._deliver(generation, self._compute(circuit, noise, column, shots))
            return
        self.busy = True
        self._pool.submit(self._work, generation, circuit, noise, column, shots)

    @staticmethod
    def _compute(circuit: Any, noise: Any, column: int | None, shots: int) -> Any:
        try:
            return live_snapshot(circuit, noise, column, shots)
        except StudioError as exc:
            return exc

    def _work(self, generation: int, circuit: Any, noise: Any, column: int | None, shots: int) -> None:
        self.ready.wait()
        result = self._compute(circuit, noise, column, shots)
        with self._lock:
            self._done.append((generation, result))
        with contextlib.suppress(RuntimeError):  # the panel is gone
            post_call(self, "_flush")

    @Slot()
    def _flush(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        for generation, result in done:
            self._deliver(generation, result)

    def _deliver(self, generation: int, result: Any) -> None:
        if generation != self._generation:
            return  # a newer edit is on its way
        self.busy = False
        if isinstance(result, Exception):
            self._on_error(str(result))
        else:
            self._on_result(result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
