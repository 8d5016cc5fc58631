"""The job panel: every job, whatever it does, gets the same row with progress, times, cancel, log and errors.

Run ``python -m studio.ui.jobs.panel`` to see it on demo jobs (one of which crashes its worker process);
``--screenshot PATH`` renders it to a PNG once the demo jobs have reached a mix of states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from studio.core.jobs import JobManager, JobState
from studio.ui.jobs.bridge import QtJobBridge

if TYPE_CHECKING:
    from studio.ui.jobs.row import JobRow


class JobPanel(QWidget):
    """Lists the jobs of ``manager``, newest at the bottom; "Clear finished" forgets finished jobs.

    Pass the window's ``bridge`` to share it; otherwise the panel makes its own.
    """

    def __init__(self, manager: JobManager, bridge: QtJobBridge | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.bridge = bridge if bridge is not None else QtJobBridge(manager, self)
        self.rows: dict[int, JobRow] = {}

        self.summary = QLabel(self)
        self.summary.setObjectName("jobSummary")
        self.clear_button = QPushButton("Clear finished", self)
        self.clear_button.clicked.connect(self.clear_finished)
        header = QHBoxLayout()
        header.addWidget(self.summary)
        header.addStretch(1)
        header.addWidget(self.clear_button)

        self.empty = QLabel("No jobs yet. Long work (opening, evaluating, training) shows up here.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: gray;")
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(6)
        self._list_layout.addWidget(self.empty)
        self._list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        self.scroll = scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)

        # Elapsed times and ETAs move without job events; a 1 Hz tick runs only while a job runs.
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)

        self.bridge.jobAdded.connect(self._add_row)
        self.bridge.jobChanged.connect(self._update_row)
        self.bridge.jobLog.connect(self._append_log)
        self.bridge.jobRemoved.connect(self._remove_row)
        for job in manager.jobs:
            self._add_row(job.id)
        self._refresh_summary()

    def row(self, job_id: int) -> JobRow:
        """The row showing ``job_id`` (KeyError if none)."""
        return self.rows[job_id]

    def clear_finished(self) -> None:
        """Forget every finished job; their rows go away when the manager reports them removed."""
        self.manager.clear_finished()

    # ------------------------------------------------------------------------------------ bridge slots
    def _add_row(self, job_id: int) -> None:
        if job_id in self.rows:
            return
        try:
            job = self.manager.get(job_id)
        except KeyError:
            return
        from studio.ui.jobs.row import JobRow  # with the first job: the launch path shows none

        row = JobRow(job, self._list)
        row.cancelRequested.connect(self.manager.cancel)
        row.pauseRequested.connect(self.manager.pause)
        row.resumeRequested.connect(self.manager.resume)
        self.rows[job_id] = row
        self._list_layout.insertWidget(self._list_layout.count() - 1, row)
        self._refresh_summary()

    def _update_row(self, job_id: int) -> None:
        row = self.rows.get(job_id)
        if row is None:
            self._add_row(job_id)
            return
        row.refresh()
        self._refresh_summary()

    def _append_log(self, job_id: int, line: str) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.append_log(line)

    def _remove_row(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            self._list_layout.removeWidget(row)
            row.deleteLater()
        self._refresh_summary()

    def _tick(self) -> None:
        for row in self.rows.values():
            if row.job.state is JobState.RUNNING:
                row.refresh_times()

    def _refresh_summary(self) -> None:
        states = [row.job.state for row in self.rows.values()]
        running = states.count(JobState.RUNNING)
        queued = states.count(JobState.QUEUED)
        finished = sum(1 for s in states if s.is_finished)
        parts = [f"{running} running"] if running else []
        if queued:
            parts.append(f"{queued} queued")
        if finished:
            parts.append(f"{finished} finished")
        self.summary.setText(" · ".join(parts) if parts else "No jobs")
        self.empty.setVisible(not self.rows)
        self.clear_button.setEnabled(finished > 0)
        if running and not self._clock.isActive():
            self._clock.start()
        elif not running and self._clock.isActive():
            self._clock.stop()


def _demo(argv: list[str] | None = None) -> int:
    """Open the panel on demo jobs: a thread job, a process job, a crashing worker and two failures."""
    import argparse
    import sys

    from PySide6.QtWidgets import QApplication

    from studio.core.jobs import JobSpec
    from studio.core.runners import demo_jobs

    parser = argparse.ArgumentParser(prog="python -m studio.ui.jobs.panel", description=_demo.__doc__)
    parser.add_argument("--screenshot", metavar="PNG", help="render the panel to PNG after ~1.5 s and quit")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv)
    manager = JobManager(max_process_jobs=2)
    panel = JobPanel(manager)
    panel.setWindowTitle("Jobs (demo)")
    panel.resize(760, 420)
    manager.submit(
        JobSpec(
            "Train demo CNN (process)",
            demo_jobs.count_steps,
            {"steps": 200, "step_s": 0.05, "label": "epoch"},
            runner="process",
        )
    )
    manager.submit(JobSpec("Measure latency (thread)", demo_jobs.count_steps, {"steps": 8, "step_s": 0.05}))
    manager.submit(JobSpec("Crashing worker (segfault)", demo_jobs.crash_worker, {"after_steps": 3}, runner="process"))
    manager.submit(JobSpec("Load data set", demo_jobs.fail_with_bad_data))
    panel.show()
    if args.screenshot:

        def shoot() -> None:
            panel.rows[min(panel.rows)].log_button.setChecked(True)  # show what an open log looks like
            app.processEvents()
            panel.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(1800, shoot)
    app.aboutToQuit.connect(lambda: manager.shutdown(timeout=5))
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(_demo())
