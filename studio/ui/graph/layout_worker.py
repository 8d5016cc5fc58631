"""Runs :func:`~studio.graph.layout.layout_graph` off the GUI thread and hands the result back as a Qt signal.

Each request carries a generation number; the view ignores results of requests a newer ``set_graph`` replaced,
so a slow layout of an old model can never overwrite a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.graph.ir import Graph
from studio.graph.layout import GraphLayout, layout_graph

_running: set[threading.Thread] = set()


@atexit.register
def _join_running_layouts() -> None:
    """Let layouts finish before the interpreter tears Qt down under them (which aborts the process)."""
    for thread in list(_running):
        thread.join(5.0)


class LayoutWorker(QObject):
    """``finished(generation, (layout, prepared) or None, error message)`` arrives on this object's thread.

    ``prepared`` is what the ``prepare(graph, layout)`` callable given to :meth:`start` returned: scene data
    made of Qt value types, computed in the worker too so the GUI thread only creates items.
    """

    finished = Signal(int, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []

    def start(
        self,
        generation: int,
        graph: Graph,
        labels: Mapping[str, str] | None,
        prepare: Callable[[Graph, GraphLayout], Any] | None = None,
    ) -> None:
        """Lay ``graph`` out in a daemon thread; the signal is queued to this object's thread when done."""

        def work() -> None:
            _running.add(threading.current_thread())
            try:
                layout = layout_graph(graph, labels)
                prepared = prepare(graph, layout) if prepare is not None else None
                outcome: tuple[object, str] = ((layout, prepared), "")
            except Exception as exc:  # reported in the view, never raised into a thread's void
                outcome = (None, f"{type(exc).__name__}: {exc}")
            finally:
                _running.discard(threading.current_thread())
            with contextlib.suppress(RuntimeError):  # the view was closed meanwhile: nobody waits for it
                self.finished.emit(generation, *outcome)

        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=work, name=f"graph-layout-{generation}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def join(self, timeout_s: float = 5.0) -> None:
        """Wait for running layouts to end (tests, shutdown)."""
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = [t for t in self._threads if t.is_alive()]
