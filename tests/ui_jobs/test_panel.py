"""The job panel through its widgets: rows appear, progress moves, cancel cancels, failures explain."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from studio.core.jobs import JobManager, JobSpec, JobState
from studio.ui.jobs.panel import JobPanel
from studio.ui.jobs.row import PROGRESS_STEPS, format_duration, progress_text
from tests.core_jobs import job_functions as fns
from tests.ui_jobs.gated_jobs import Gate, fail


def _panel(qtbot: Any, manager: JobManager) -> JobPanel:
    panel = JobPanel(manager)
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    return panel


def test_job_appears_as_row_and_progress_bar_follows(qtbot: Any, manager: JobManager) -> None:
    panel = _panel(qtbot, manager)
    assert panel.empty.isVisible()
    gate = Gate()
    job = manager.submit(JobSpec("Train", gate.job, {"done": 3, "total": 10}))
    qtbot.waitUntil(lambda: job.id in panel.rows, timeout=2000)
    row = panel.row(job.id)
    assert row.title.text() == "Train"
    assert gate.reported.wait(5)
    qtbot.waitUntil(lambda: row.bar.value() == 3 * PROGRESS_STEPS // 10, timeout=2000)
    assert row.detail.text() == "3/10 · halfway there"
    assert row.state_label.text() == "running"
    assert row.cancel_button.isEnabled()
    assert "1 running" in panel.summary.text()
    assert not panel.empty.isVisible()
    row.log_button.click()
    assert row.log_view.isVisible() and "reported progress" in row.log_view.toPlainText()
    gate.opened.set()
    qtbot.waitUntil(lambda: row.state_label.text() == "succeeded", timeout=3000)
    assert row.bar.value() == PROGRESS_STEPS
    assert not row.cancel_button.isVisible()
    assert row.times.text().startswith("took ")


def test_cancel_button_cancels(qtbot: Any, manager: JobManager) -> None:
    panel = _panel(qtbot, manager)
    gate = Gate()
    job = manager.submit(JobSpec("Search", gate.job))
    qtbot.waitUntil(lambda: job.id in panel.rows, timeout=2000)
    assert gate.reported.wait(5)
    row = panel.row(job.id)
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert not row.cancel_button.isEnabled()
    assert manager.wait(job, 5) and job.state is JobState.CANCELLED
    qtbot.waitUntil(lambda: row.state_label.text() == "cancelled", timeout=2000)
    assert not row.cancel_button.isVisible() and not row.cancel_button.isEnabled()


def test_failed_job_shows_error_and_details(qtbot: Any, manager: JobManager) -> None:
    panel = _panel(qtbot, manager)
    job = manager.submit(JobSpec("Quantize", fail))
    qtbot.waitUntil(lambda: job.id in panel.rows and panel.row(job.id).state_label.text() == "failed", timeout=3000)
    row = panel.row(job.id)
    assert row.error_label.isVisible()
    assert row.error_label.text() == "ValueError: shapes (3, 4) and (5,) do not match"
    assert "color" in row.error_label.styleSheet()
    assert row.details_button.isVisible()
    dialog = row.show_details()
    assert "Traceback" in dialog.text.toPlainText() and "fail" in dialog.text.toPlainText()
    dialog.close()


def test_crashed_worker_row_and_clear_finished(qtbot: Any, manager: JobManager) -> None:
    panel = _panel(qtbot, manager)
    crashed = manager.submit(JobSpec("Crash", fns.exit_with_status, {"status": 3}, runner="process"))
    done = manager.submit(JobSpec("Count", fns.count_to, {"n": 2}))
    qtbot.waitUntil(
        lambda: crashed.id in panel.rows and panel.row(crashed.id).state_label.text() == "failed",
        timeout=10000,
    )
    assert panel.row(crashed.id).error_label.text() == "worker exited with status 3"
    qtbot.waitUntil(lambda: panel.clear_button.isEnabled() and done.id in panel.rows, timeout=2000)
    running = manager.submit(JobSpec("Wait", fns.wait_for_cancel))
    qtbot.waitUntil(lambda: running.id in panel.rows, timeout=2000)
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: list(panel.rows) == [running.id], timeout=2000)
    assert not panel.clear_button.isEnabled()


def test_text_formats() -> None:
    assert format_duration(7.4) == "7 s"
    assert format_duration(0.42, tenths=True) == "0.4 s"
    assert format_duration(0.01, tenths=True) == "<0.1 s"
    assert format_duration(125) == "2 min 5 s"
    assert format_duration(3900) == "1 h 5 min"
    from studio.core.jobs import JobProgress

    assert progress_text(JobProgress(3, 10, "epoch 3")) == "3/10 · epoch 3"
    assert progress_text(JobProgress(0.25, 1)) == "0.25/1"
    assert progress_text(JobProgress(0, 0, "starting")) == "starting"
