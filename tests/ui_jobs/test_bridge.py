"""The Qt bridge: signals arrive on the GUI thread, in a sensible order, and progress floods are coalesced."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from studio.core.jobs import JobManager, JobSpec, JobState
from studio.ui.jobs.bridge import FLUSH_INTERVAL_MS, QtJobBridge
from studio.ui.jobs.signal_emit import emit_signal
from tests.core_jobs import job_functions as fns
from tests.ui_jobs.gated_jobs import flood_progress


def test_signals_arrive_on_the_gui_thread(qtbot: Any, manager: JobManager) -> None:
    bridge = QtJobBridge(manager)
    seen: list[tuple[str, int, bool]] = []
    gui = QCoreApplication.instance().thread()

    def record(kind: str):  # type: ignore[no-untyped-def]
        return lambda job_id, *_: seen.append((kind, job_id, QThread.currentThread() is gui))

    bridge.jobAdded.connect(record("added"))
    bridge.jobChanged.connect(record("changed"))
    lines: list[str] = []
    bridge.jobLog.connect(lambda _job_id, line: lines.append(line))
    job = manager.submit(JobSpec("count", fns.count_to, {"n": 3}))
    qtbot.waitUntil(lambda: ("changed", job.id, True) in seen and job.state.is_finished, timeout=5000)
    qtbot.waitUntil(lambda: len(lines) == 3, timeout=2000)
    assert seen[0] == ("added", job.id, True)
    assert all(on_gui for _kind, _id, on_gui in seen)
    assert [kind for kind, *_ in seen].count("added") == 1
    assert lines == ["did step 1", "did step 2", "did step 3"]
    bridge.close()


def test_progress_flood_is_coalesced(qtbot: Any, manager: JobManager) -> None:
    bridge = QtJobBridge(manager)
    changes: list[int] = []
    bridge.jobChanged.connect(changes.append)
    job = manager.submit(JobSpec("flood", flood_progress, {"reports": 5000}))
    qtbot.waitUntil(lambda: job.state.is_finished, timeout=10000)  # keeps the GUI event loop running
    took_s = (job.finished_at or 0) - (job.started_at or 0)
    qtbot.waitUntil(lambda: bool(changes) and manager.get(job.id).state is JobState.SUCCEEDED, timeout=2000)
    qtbot.wait(2 * FLUSH_INTERVAL_MS)
    # 5,000 reports; at most one flush per interval while it ran, plus the final state.
    assert len(changes) <= took_s * 1000 / FLUSH_INTERVAL_MS + 3
    assert len(changes) < 100
    bridge.close()


def test_removed_jobs_are_announced(qtbot: Any, manager: JobManager) -> None:
    bridge = QtJobBridge(manager)
    removed: list[int] = []
    bridge.jobRemoved.connect(removed.append)
    job = manager.submit(JobSpec("count", fns.count_to, {"n": 1}))
    assert manager.wait(job, 5)
    qtbot.waitUntil(lambda: job.id in bridge._known, timeout=2000)
    manager.clear_finished()
    qtbot.waitUntil(lambda: removed == [job.id], timeout=2000)
    bridge.close()


class _Sender(QObject):
    number = Signal(int)
    pair = Signal(int, str)


def test_emit_signal_delivers_without_leaking_true(qtbot: Any) -> None:
    sender = _Sender()
    got: list[object] = []
    sender.number.connect(got.append)
    sender.pair.connect(lambda n, s: got.append((n, s)))
    before = sys.getrefcount(True)
    for i in range(50):
        emit_signal(sender, "number", i)
    emit_signal(sender, "pair", 7, "seven")
    assert sys.getrefcount(True) >= before - 5  # PySide6 6.12's emit() would have dropped 51 here
    assert got == [*range(50), (7, "seven")]
