"""Cyclic garbage made on a worker thread is collected on the GUI thread (see studio.ui.gui_thread_gc)."""

from __future__ import annotations

import gc
import threading
from typing import Any

from studio.ui.gui_thread_gc import GuiThreadGarbageCollector

FINALIZED_ON: list[str] = []


class _Cycle:
    """A reference cycle that records which thread finalized it."""

    def __init__(self) -> None:
        self.partner = self

    def __del__(self) -> None:
        FINALIZED_ON.append(threading.current_thread().name)


def test_garbage_from_a_worker_thread_is_finalized_on_the_gui_thread(qtbot: Any) -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    collector = GuiThreadGarbageCollector(interval_ms=20)
    try:
        assert not gc.isenabled()  # no automatic collection in whichever thread allocates
        FINALIZED_ON.clear()

        def worker() -> None:
            for _ in range(5 * gc.get_threshold()[0]):  # far past the threshold that would trip automatic gc
                _Cycle()

        thread = threading.Thread(target=worker, name="worker")
        thread.start()
        thread.join()
        assert FINALIZED_ON == []  # the worker collected nothing itself
        qtbot.waitUntil(lambda: len(FINALIZED_ON) > 0, timeout=5_000)
        assert set(FINALIZED_ON) == {threading.main_thread().name}
        assert sum(collector.collections) >= 1
    finally:
        collector.stop()
        handed_back = gc.isenabled()  # it was on when the collector started
        gc.collect()
        if not was_enabled:
            gc.disable()
    assert handed_back  # stop() gives automatic collection back as it found it


def test_nothing_due_collects_nothing(qtbot: Any) -> None:
    collector = GuiThreadGarbageCollector(interval_ms=10_000)
    try:
        gc.collect()  # counts back to zero
        assert collector.collect_due() == -1
    finally:
        collector.stop()
