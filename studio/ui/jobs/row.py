"""One job as a row of the job panel: state, progress, times, cancel, log and error details."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import LOG_LIMIT, Job, JobProgress, JobState
from studio.ui.jobs.signal_emit import emit_signal

#: Scale of the progress bars: fractions become 0..PROGRESS_STEPS so float totals show smoothly.
PROGRESS_STEPS = 1000

_STATE_COLORS = {
    JobState.QUEUED: "#9ca3af",
    JobState.RUNNING: "#2563eb",
    JobState.SUCCEEDED: "#16a34a",
    JobState.FAILED: "#dc2626",
    JobState.CANCELLED: "#d97706",
    JobState.PAUSED: "#7c3aed",
}


def format_duration(seconds: float, *, tenths: bool = False) -> str:
    """``7.2`` -> ``"7 s"`` (``"7.2 s"`` with ``tenths``, under 10 s), ``125`` -> ``"2 min 5 s"``,
    ``3900`` -> ``"1 h 5 min"``."""
    if tenths and seconds < 0.05:
        return "<0.1 s"
    if tenths and seconds < 9.95:
        return f"{seconds:.1f} s"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def format_amount(value: float) -> str:
    """Whole numbers without decimals (``3``), others with three significant digits (``0.25``)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def progress_text(progress: JobProgress) -> str:
    """``"3/10 · epoch 3"``; without a known total just the message (or the amount done)."""
    parts = []
    if progress.total > 0:
        parts.append(f"{format_amount(progress.done)}/{format_amount(progress.total)}")
    elif progress.done:
        parts.append(format_amount(progress.done))
    if progress.message:
        parts.append(progress.message)
    return " · ".join(parts)


def state_dot(color: str, size: int = 12) -> QPixmap:
    """A filled circle: a state marker that needs no icon font and reads in light and dark themes."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return pixmap


class ErrorDetailsDialog(QDialog):
    """The traceback of a failed job, selectable for bug reports."""

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Error details: {job.title}")
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        summary = QLabel(job.error, self)
        summary.setWordWrap(True)
        summary.setStyleSheet(f"color: {_STATE_COLORS[JobState.FAILED]}; font-weight: 600;")
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(job.error_detail or "(no further details)", self)
        self.text.setReadOnly(True)
        self.text.setFont(QFont("monospace"))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(summary)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)


class JobRow(QFrame):
    """Shows one job; ``cancelRequested(job_id)`` when its Cancel button is pressed.

    Pausable jobs (``JobSpec.pausable``) also get a Pause/Resume button: ``pauseRequested(job_id)`` while the
    job runs, ``resumeRequested(job_id)`` while it is paused.
    """

    cancelRequested = Signal(int)
    pauseRequested = Signal(int)
    resumeRequested = Signal(int)

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.details_dialog: ErrorDetailsDialog | None = None
        self.setObjectName("jobRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._shown_state: tuple[JobState, bool] | None = None

        self.dot = QLabel(self)
        self.title = QLabel(job.title, self)
        self.title.setStyleSheet("font-weight: 600;")
        self.state_label = QLabel(self)
        self.times = QLabel(self)
        self.times.setObjectName("jobTimes")
        self.log_button = QPushButton("Log", self)
        self.log_button.setCheckable(True)
        self.log_button.toggled.connect(self._toggle_log)
        self.details_button = QPushButton("Details", self)
        self.details_button.clicked.connect(self.show_details)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self._cancel)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.clicked.connect(self._pause_or_resume)
        for button in (self.log_button, self.details_button, self.cancel_button, self.pause_button):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self.bar = QProgressBar(self)
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setTextVisible(True)
        self.bar.setMaximumHeight(16)
        self.detail = QLabel(self)
        self.detail.setObjectName("jobProgressText")
        self.detail.setMinimumWidth(120)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("jobError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(f"color: {_STATE_COLORS[JobState.FAILED]};")
        self.log_view = QPlainTextEdit(self)
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LIMIT)
        self.log_view.setFont(QFont("monospace"))
        self.log_view.setFixedHeight(110)
        self.log_view.hide()

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.dot)
        top.addWidget(self.title)
        top.addWidget(self.state_label)
        top.addStretch(1)
        top.addWidget(self.times)
        top.addWidget(self.details_button)
        top.addWidget(self.pause_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.log_button)  # last, so it lines up in every row whatever else is shown
        middle = QHBoxLayout()
        middle.setSpacing(8)
        middle.addWidget(self.bar, 3)
        middle.addWidget(self.detail, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addWidget(self.error_label)
        layout.addWidget(self.log_view)
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the job's current state (cheap: call it on every change)."""
        job = self.job
        state = job.state
        if (state, job.pause_requested) != self._shown_state:
            self._show_state(state)
        fraction = job.progress.fraction
        if state is JobState.SUCCEEDED:
            self.bar.setRange(0, PROGRESS_STEPS)
            self.bar.setValue(PROGRESS_STEPS)
        elif fraction is None and state is JobState.RUNNING:
            self.bar.setRange(0, 0)  # unknown amount of work: a busy indicator
        else:
            self.bar.setRange(0, PROGRESS_STEPS)
            self.bar.setValue(round((fraction or 0.0) * PROGRESS_STEPS))
        self.detail.setText(progress_text(job.progress))
        self.detail.setToolTip(self.detail.text())
        self.refresh_times()

    def refresh_times(self) -> None:
        """Update elapsed time and ETA (the panel calls this every second while jobs run)."""
        job = self.job
        parts = []
        eta = job.eta_s
        if eta is not None:
            parts.append(f"~{format_duration(eta)} left")
        elapsed = job.elapsed_s
        if elapsed is not None and job.state.is_finished:
            parts.append(f"took {format_duration(elapsed, tenths=True)}")
        elif elapsed is not None:
            parts.append(f"{format_duration(elapsed)} elapsed")
        self.times.setText(" · ".join(parts))

    def append_log(self, line: str) -> None:
        """Show a new log line if the log is open (a closed log reloads from the job when opened)."""
        if self.log_view.isVisibleTo(self):
            self.log_view.appendPlainText(line)

    def show_details(self) -> ErrorDetailsDialog:
        """Open (non-modal) the failed job's traceback; returns the dialog."""
        if self.details_dialog is None:
            self.details_dialog = ErrorDetailsDialog(self.job, self)
        self.details_dialog.show()
        self.details_dialog.raise_()
        return self.details_dialog

    def _show_state(self, state: JobState) -> None:
        self._shown_state = (state, self.job.pause_requested)
        color = _STATE_COLORS[state]
        self.dot.setPixmap(state_dot(color))
        text = state.value
        if state is JobState.RUNNING and self.job.cancel_requested:
            text = "cancelling"
        elif state is JobState.RUNNING and self.job.pause_requested:
            text = "pausing"
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"color: {color};")
        finished = state.is_finished
        self.cancel_button.setEnabled(not finished and not self.job.cancel_requested)
        self.cancel_button.setVisible(not finished)
        pausable = bool(getattr(self.job.spec, "pausable", False))
        self.pause_button.setVisible(pausable and state in (JobState.RUNNING, JobState.PAUSED))
        self.pause_button.setText("Resume" if state is JobState.PAUSED else "Pause")
        self.pause_button.setEnabled(state is JobState.PAUSED or not self.job.pause_requested)
        failed = state is JobState.FAILED
        self.error_label.setText(self.job.error if failed else "")
        self.error_label.setVisible(failed)
        self.details_button.setVisible(failed)
        self.bar.setEnabled(state in (JobState.RUNNING, JobState.SUCCEEDED))

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.state_label.setText("cancelling")
        emit_signal(self, "cancelRequested", self.job.id)

    def _pause_or_resume(self) -> None:
        if self.job.state is JobState.PAUSED:
            emit_signal(self, "resumeRequested", self.job.id)
        else:
            self.pause_button.setEnabled(False)
            self.state_label.setText("pausing")
            emit_signal(self, "pauseRequested", self.job.id)

    def _toggle_log(self, checked: bool) -> None:
        if checked:
            self.log_view.setPlainText("\n".join(self.job.log))
            self.log_view.verticalScrollBar().setValue(self.log_view.verticalScrollBar().maximum())
        self.log_view.setVisible(checked)
