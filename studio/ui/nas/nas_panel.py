"""The architecture-search panel: limits on the left, the live Pareto plot and trial table in the middle,
the chosen candidate on the right. Everything heavy runs as pausable process jobs; the panel only reads the
trial database when its job reports progress, so the window never waits on the search.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.ui.jobs.signal_emit import emit_signal
from studio.ui.nas.candidate_actions import BACKGROUND_NICE, CandidateActions, background_job
from studio.ui.nas.candidate_box import CandidateBox
from studio.ui.nas.constraint_form import ConstraintForm
from studio.ui.nas.pareto_plot import ParetoPlot
from studio.ui.nas.run_history import RunHistory
from studio.ui.nas.trial_table import TrialTable

__all__ = ["BACKGROUND_NICE", "NasPanel"]


class NasPanel(RunHistory, CandidateActions, QWidget):
    """Search under limits, watch the front grow, pick, fine-tune, use. ``trialsChanged(count)`` after every
    refresh; ``modelDerived(text)`` when a candidate became the model; ``distillRequested(student_spec)``."""

    trialsChanged = Signal(int)
    modelDerived = Signal(str)
    distillRequested = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None, store_path: Any = None) -> None:
        super().__init__(parent)
        from pathlib import Path

        from studio.ui.jobs.bridge import QtJobBridge

        self.ctx = ctx
        self._open_store(ctx, store_path)
        self.run_id: int | None = None
        self.job_id: int | None = None
        #: (store path, run id) -> id of the search job this panel runs for it (until it ends).
        self.live_jobs: dict[tuple[Path, int], int] = {}
        self.trials: list[dict[str, Any]] = []
        self.limits: dict[str, Any] = {}
        self.bridge = QtJobBridge(ctx.services.jobs, self)
        self.bridge.jobChanged.connect(self._on_job_changed)

        self.form = ConstraintForm(self)
        self.run_button = QPushButton("Run search", self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start_search)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.pause_button.setEnabled(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setObjectName("nasStatus")
        ray = getattr(ctx.services.preferences, "ray_address", None)
        self.where = QLabel(
            f"Data: <b>{ctx.data_spec()}</b> · runs {'on Ray at ' + ray if ray else 'in a local worker process'}<br>"
            "Trials are kept in the project's trial database.",
            self,
        )
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: gray;")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.form)
        left_layout.addWidget(self.where)
        left_layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.pause_button)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.status)
        left.setMaximumWidth(360)

        self.runs = QComboBox(self)
        self.runs.setToolTip("Search history of this project (kept in its trial database)")
        self.runs.activated.connect(self._on_run_chosen)
        self.plot = ParetoPlot(self)
        self.table = TrialTable(self)
        self.candidate = CandidateBox(self)
        history = QHBoxLayout()
        history.addWidget(QLabel("Run", self))
        history.addWidget(self.runs, 1)
        middle = QWidget(self)
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addLayout(history)
        split = QSplitter(Qt.Orientation.Vertical, middle)
        split.addWidget(self.plot)
        split.addWidget(self.table)
        split.setSizes([330, 260])
        middle_layout.addWidget(split, 1)

        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(middle, 1)
        layout.addWidget(self.candidate)
        self.candidate.setMaximumWidth(300)

        self.plot.trialClicked.connect(self._select)
        self.table.trialSelected.connect(self._select)
        self.plot.costChanged.connect(lambda _c: self._refresh_front())
        self.candidate.finetuneRequested.connect(self.finetune)
        self.candidate.distillRequested.connect(self._distill)
        self.destroyed.connect(lambda *_: self.store.close())
        self._reload_runs(select_latest=True)

    run_kind = "nas"

    def _clear_shown(self) -> None:
        self.job_id, self.trials, self.limits = None, [], {}
        self.table.trial_model.set_trials([], set())
        self.candidate.show_trial(None)
        self._refresh_front()
        self.status.setText("")

    # ------------------------------------------------------------------------------------ history
    def _run_label(self, run: Any) -> str:
        return f"#{run.id} · {run.state} · {self.store.trial_count(run.id)} trials · {run.title}"

    def show_run(self, run_id: int) -> None:
        """Show the trials of ``run_id`` from the store (how the table reopens as it was)."""
        run = self.store.run(run_id)
        self.run_id = run_id
        self.limits = dict(run.params.get("constraints") or {})
        if run.params.get("constraints") is not None:
            self.form.show_request(run.params)
        self.trials = self.store.trials(run_id)
        self.table.trial_model.set_trials(self.trials, set())
        self.runs.setCurrentIndex(max(0, self.runs.findData(run_id)))
        self._refresh_front()
        self.candidate.show_trial(None)
        self.job_id = self.live_jobs.get((self.store_path, run_id))
        from studio.optimize.trial_store import is_resumable

        hint = " — Resume continues it" if self.job_id is None and is_resumable(run) else ""
        self.status.setText(
            f"Run #{run_id}: {run.state}, {len(self.trials)} trials" + (f" — {run.error}" if run.error else "") + hint
        )
        self._update_buttons()

    def _displayed_run(self) -> Any:
        if self.run_id is None:
            return None
        try:
            return self.store.run(self.run_id)
        except KeyError:
            return None

    def _update_buttons(self) -> None:
        """Run while no search of this project runs; Pause/Resume for the displayed run's job, or Resume for a
        displayed run that was interrupted (its worker crashed, or the window closed while it ran)."""
        from studio.optimize.trial_store import is_resumable

        busy = any(path == self.store_path for path, _run in self.live_jobs)
        self.run_button.setEnabled(not busy)
        if self.job_id is not None:
            paused = self.ctx.services.jobs.get(self.job_id).state.name == "PAUSED"
            self.pause_button.setText("Resume" if paused else "Pause")
            self.pause_button.setToolTip("")
            self.pause_button.setEnabled(True)
            return
        run = self._displayed_run()
        resumable = run is not None and run.kind == "nas" and is_resumable(run) and not busy
        self.pause_button.setText("Resume")
        self.pause_button.setEnabled(resumable)
        self.pause_button.setToolTip(
            "Continue this run: its finished trials are kept, the supernet resumes from its last checkpoint"
            if resumable
            else ""
        )

    # ------------------------------------------------------------------------------------ search
    def build_request(self) -> Any:
        """The :class:`NasRequest` the form describes (raises StudioError for a bad field)."""
        from studio.optimize.nas.progressive import SupernetTrainingConfig
        from studio.optimize.nas.request import NasRequest

        constraints = self.form.constraints()
        return NasRequest(
            data=self.ctx.data_spec(),
            supernet=SupernetTrainingConfig(epochs=self.form.supernet_epochs()),
            strategy=str(self.form.strategy.currentData()),
            trials=self.form.trials.value(),
            population=self.form.population.value(),
            seed=self.form.seed.value(),
            constraints=constraints,
            measure_latency=constraints.max_latency_ms is not None,
            ray_address=getattr(self.ctx.services.preferences, "ray_address", None),
            work_dir=str(self.work_dir),
            store_path=str(self.store_path),
        )

    def start_search(self, request: Any = None) -> Any:
        """Submit the search as a pausable process job; returns the job (None if the form is invalid)."""
        from dataclasses import replace

        from studio.core.errors import StudioError
        from studio.workflows.nas import nas_job

        try:
            request = request or self.build_request()
        except StudioError as exc:
            self.status.setText(str(exc))
            return None
        run_id = self.store.create_run("nas", f"Search on {request.data}", request.to_params())
        request = replace(request, run_id=run_id)
        spec = background_job("Architecture search", nas_job, request=request)
        job = self._submit_search(spec, run_id)
        self.status.setText("Training the supernet, then searching…")
        return job

    def _submit_search(self, spec: Any, run_id: int) -> Any:
        from functools import partial

        key = (self.store_path, run_id)
        job = self.ctx.submit(spec, partial(self._on_search_done, key), partial(self._on_search_failed, key))
        self.live_jobs[key] = job.id
        self._reload_runs()
        self.show_run(run_id)
        return job

    def resume_run(self, run_id: int) -> Any:
        """Continue a stored search whose worker is gone (crashed, or the window closed while it ran): the
        same settings, trials already in the store answered from it, the supernet from its checkpoints.
        Returns the job, or None (with the reason in the status line) when it cannot be resumed."""
        from studio.core.errors import StudioError
        from studio.optimize.trial_store import is_resumable
        from studio.workflows.nas import nas_job, resume_nas_request

        run = self.store.run(run_id)
        if not is_resumable(run) or (self.store_path, run_id) in self.live_jobs:
            self.status.setText(f"Run #{run_id} is {run.state}; nothing to resume")
            return None
        ray = getattr(self.ctx.services.preferences, "ray_address", None)
        try:
            request = resume_nas_request(run, str(self.store_path), str(self.work_dir), ray)
        except StudioError as exc:
            self.status.setText(str(exc))
            return None
        spec = background_job(f"Architecture search (resumed #{run_id})", nas_job, request=request, resume=True)
        job = self._submit_search(spec, run_id)
        self.status.setText(f"Resuming run #{run_id}: {self.store.trial_count(run_id)} finished trials kept…")
        return job

    def _on_job_changed(self, job_id: int) -> None:
        if job_id != self.job_id:
            return
        job = self.ctx.services.jobs.get(job_id)
        self.status.setText(job.progress.message or job.state.value)
        if not job.state.is_finished:
            self.pause_button.setText("Resume" if job.state.name == "PAUSED" else "Pause")
        self.refresh_trials()

    def refresh_trials(self) -> None:
        """Append the trials the worker has written since the last look (one small SQLite query)."""
        if self.run_id is None:
            return
        last = max((t["index"] for t in self.trials), default=-1)
        new = self.store.trials(self.run_id, after=last)
        if new:
            self.trials.extend(new)
            self.table.trial_model.add_trials(new, set())
            self._refresh_front()

    def _refresh_front(self) -> None:
        self.plot.set_data(self.trials, self.limits)
        self.table.trial_model.add_trials([], set(self.plot.front_indices()))
        emit_signal(self, "trialsChanged", len(self.trials))

    def _pause_or_resume(self) -> None:
        if self.job_id is None:
            if self.run_id is not None:
                self.resume_run(self.run_id)
            return
        jobs = self.ctx.services.jobs
        if jobs.get(self.job_id).state.name == "PAUSED":
            jobs.resume(self.job_id)
        else:
            jobs.pause(self.job_id)
            self.status.setText("Pausing at the next checkpoint…")

    def _on_search_done(self, key: tuple[Any, int], result: dict[str, Any]) -> None:
        best = max(t["accuracy"] for t in result["trials"])
        self._finish(key, f"Search done: {len(result['trials'])} trials, best {100 * best:.1f}%")

    def _on_search_failed(self, key: tuple[Any, int], job: Any) -> None:
        from studio.optimize.trial_store import TrialStore

        # A worker that crashed (or was killed) could not record its end: record it here, so the history says
        # what happened; the run stays resumable.
        with TrialStore(key[0]) as store:
            try:
                if store.run(key[1]).state in ("running", "queued"):
                    store.set_run_state(key[1], job.state.value, error=job.error)
            except KeyError:
                pass
        self._finish(key, f"Search {job.state.value}: {job.error}" if job.error else f"Search {job.state.value}")

    def _finish(self, key: tuple[Any, int], text: str) -> None:
        self.live_jobs.pop(key, None)
        if key[0] != self.store_path:
            return  # another project's search: its history shows it when that project is back
        if key[1] == self.run_id:
            self.refresh_trials()
            self.job_id = None
        self._reload_runs()
        self._update_buttons()
        self.status.setText(text)

    # ------------------------------------------------------------------------------------ candidates
    def _select(self, trial_index: int) -> None:
        trial = self.table.trial_model.trial(trial_index)
        self.candidate.show_trial(trial)
        self.plot.select(trial_index)
        self.table.select_trial(trial_index)
