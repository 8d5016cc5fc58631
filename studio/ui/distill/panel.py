"""The distillation panel: the current model teaches a student (zoo model or searched candidate); curves of
the student with and without the teacher over several seeds; the distilled student can become the model.

Run ``python -m studio.ui.distill.panel`` to open it on the demo model.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.ui.distill.curves_plot import DistillCurves
from studio.ui.jobs.signal_emit import emit_signal
from studio.ui.nas.candidate_actions import background_job
from studio.ui.nas.run_history import RunHistory

STUDENT_PRESETS = ("digits-cnn:width=4", "digits-cnn:width=8", "digits-cnn:width=2", "lenet")


class DistillPanel(RunHistory, QWidget):
    """``curvesChanged(points)`` after every refresh; ``finished(text)`` when a run ends; ``modelDerived(text)``."""

    curvesChanged = Signal(int)
    finished = Signal(str)
    modelDerived = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None, store_path: Any = None) -> None:
        super().__init__(parent)
        from studio.ui.jobs.bridge import QtJobBridge

        self.ctx = ctx
        self._open_store(ctx, store_path)
        self.run_id: int | None = None
        self.job_id: int | None = None
        self.job_store: Any = None  # the trial database the running job writes to
        self.result: dict[str, Any] | None = None
        self.bridge = QtJobBridge(ctx.services.jobs, self)
        self.bridge.jobChanged.connect(self._on_job_changed)

        self.teacher = QLabel(self)
        self.student = QComboBox(self)
        self.student.setEditable(True)
        self.student.setMinimumContentsLength(22)
        for preset in STUDENT_PRESETS:
            self.student.addItem(preset, preset)
        self.student.setToolTip("zoo name[:key=value,...], a searched NAME.arch.json, or a candidate from the search")
        self.temperature = self._spin(4.0, 0.1, 50.0, 1)
        self.alpha = self._spin(0.9, 0.0, 1.0, 2)
        self.alpha.setToolTip("weight of the soft-target loss; 1 - alpha goes to the labels")
        self.feature = self._spin(0.0, 0.0, 100.0, 2)
        self.feature.setToolTip("weight of the feature hint (inputs of the last linear layers); 0 turns it off")
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 500)
        self.epochs.setValue(30)
        self.seeds = QSpinBox(self)
        self.seeds.setRange(1, 20)
        self.seeds.setValue(5)
        self.samples = QSpinBox(self)
        self.samples.setRange(0, 10_000_000)
        self.samples.setValue(200)
        self.samples.setSpecialValueText("all")
        self.samples.setToolTip("labelled training images the students get (0: the whole training split)")
        form_box = QGroupBox("Distillation", self)
        form = QFormLayout(form_box)
        form.addRow("Teacher", self.teacher)
        form.addRow("Student", self.student)
        form.addRow("Temperature", self.temperature)
        form.addRow("Soft-target weight α", self.alpha)
        form.addRow("Feature hint weight", self.feature)
        form.addRow("Epochs", self.epochs)
        form.addRow("Seeds", self.seeds)
        form.addRow("Labelled samples", self.samples)
        self.run_button = QPushButton("Distil (and train alone)", self)
        self.run_button.clicked.connect(self.start)
        self.use_button = QPushButton("Use distilled student", self)
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_student)
        self.resume_button = QPushButton("Resume run", self)
        self.resume_button.setToolTip("Continue an interrupted run: finished seeds are kept")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(lambda: self.run_id is not None and self.resume_run(self.run_id))
        self.runs = QComboBox(self)
        self.runs.setToolTip("Distillation history of this project (kept in its trial database)")
        self.runs.activated.connect(self._on_run_chosen)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(form_box)
        left.addWidget(self.run_button)
        left.addWidget(self.use_button)
        left.addWidget(self.resume_button)
        left.addWidget(self.status)
        left.addStretch(1)
        left_widget = QWidget(self)
        left_widget.setLayout(left)
        left_widget.setMaximumWidth(380)
        self.curves = DistillCurves(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("distillSummary")
        self.summary.setWordWrap(True)
        history = QHBoxLayout()
        history.addWidget(QLabel("Run", self))
        history.addWidget(self.runs, 1)
        right = QVBoxLayout()
        right.addLayout(history)
        right.addWidget(self.curves, 1)
        right.addWidget(self.summary)
        layout = QHBoxLayout(self)
        layout.addWidget(left_widget)
        layout.addLayout(right, 1)
        ctx.modelChanged.connect(lambda _what: self._show_teacher())
        self.destroyed.connect(lambda *_: self.store.close())
        self._show_teacher()
        self._reload_runs(select_latest=True)

    run_kind = "distill"

    def _clear_shown(self) -> None:
        self.result = None
        self.curves.set_curves({})
        self.summary.setText("")
        self.status.setText("")

    def _job_running_here(self) -> bool:
        return self.job_id is not None and self.job_store == self.store_path

    def _update_buttons(self) -> None:
        from studio.optimize.trial_store import is_resumable

        busy = self.job_id is not None
        self.run_button.setEnabled(not busy)
        run = None
        if self.run_id is not None:
            try:
                run = self.store.run(self.run_id)
            except KeyError:
                run = None
        done = run is not None and run.state == "succeeded" and bool((run.result or {}).get("weights_path"))
        self.use_button.setEnabled(done and not (busy and self._job_running_here()))
        self.resume_button.setEnabled(run is not None and not busy and is_resumable(run))

    def _spin(self, value: float, low: float, high: float, decimals: int) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(low, high)
        spin.setDecimals(decimals)
        spin.setSingleStep(0.1)
        spin.setValue(value)
        return spin

    def _show_teacher(self) -> None:
        opened = self.ctx.session.opened
        self.teacher.setText(opened.model.display_name if opened else "open a model first")

    def set_student(self, spec: str, label: str | None = None) -> None:
        """Choose the student (the search's "Distil into it…" sends a candidate here)."""
        index = self.student.findData(spec)
        if index < 0:
            self.student.insertItem(0, label or spec[:40], spec)
            index = 0
        self.student.setCurrentIndex(index)

    def student_spec(self) -> str:
        data = self.student.currentData()
        text = self.student.currentText().strip()
        return str(data) if data is not None and self.student.itemText(self.student.currentIndex()) == text else text

    def build_request(self) -> Any:
        from studio.optimize.distill.config import DistillConfig, FeatureHintConfig, SoftTargetConfig
        from studio.workflows.distill import DistillRequest

        alpha, feature = self.alpha.value(), self.feature.value()
        config = DistillConfig(
            soft=SoftTargetConfig(self.temperature.value(), alpha) if alpha > 0 else None,
            feature=FeatureHintConfig(feature) if feature > 0 else None,
            epochs=self.epochs.value(),
        )
        return DistillRequest(
            teacher=self.ctx.session.handle(),
            student=self.student_spec(),
            data=self.ctx.data_spec(),
            config=config,
            seeds=tuple(range(self.seeds.value())),
            out_dir=str(self.work_dir / "distill"),
            store_path=str(self.store_path),
            ray_address=getattr(self.ctx.services.preferences, "ray_address", None),
            train_samples=self.samples.value() or None,
        )

    def start(self, request: Any = None) -> Any:
        """Submit the comparison as a pausable process job; returns the job (None when it cannot start)."""
        from dataclasses import replace

        from studio.core.errors import StudioError
        from studio.workflows.distill import distill_job

        try:
            request = request or self.build_request()
        except (StudioError, ValueError) as exc:
            self.status.setText(str(exc))
            return None
        from studio.workflows.distill import distill_params

        run_id = self.store.create_run("distill", f"Distil into {request.student[:40]}", distill_params(request))
        request = replace(request, run_id=run_id)
        spec = background_job("Distillation", distill_job, request=request)
        job = self._submit(spec, run_id)
        self.status.setText("Training the students…")
        return job

    def _submit(self, spec: Any, run_id: int) -> Any:
        from functools import partial

        key = (self.store_path, run_id)
        job = self.ctx.submit(spec, partial(self._on_done, key[0]), partial(self._on_failed, key))
        self.job_id, self.job_store = job.id, self.store_path
        self.run_id, self.result = run_id, None
        self.curves.set_curves({})
        self.summary.setText("")
        self._reload_runs()
        self._update_buttons()
        return job

    def resume_run(self, run_id: int) -> Any:
        """Continue an interrupted distillation (its finished seeds are kept) with the current model as the
        teacher, which must be the run's own; returns the job or None (the reason in the status line)."""
        from studio.core.errors import StudioError
        from studio.optimize.trial_store import is_resumable
        from studio.workflows.distill import distill_job, resume_distill_request

        run = self.store.run(run_id)
        if self.job_id is not None or not is_resumable(run):
            self.status.setText(f"Run #{run_id} is {run.state}; nothing to resume")
            return None
        try:
            teacher = self.ctx.session.handle()
            ray = getattr(self.ctx.services.preferences, "ray_address", None)
            request = resume_distill_request(run, teacher, str(self.store_path), ray)
        except (StudioError, ValueError) as exc:
            self.status.setText(str(exc))
            return None
        spec = background_job(f"Distillation (resumed #{run_id})", distill_job, request=request, resume=True)
        job = self._submit(spec, run_id)
        self.status.setText(f"Resuming run #{run_id}…")
        return job

    def show_run(self, run_id: int) -> None:
        """Show a stored run's curves and summary (how the panel reopens); a finished run's student can be
        used from here, an interrupted one resumed."""
        from studio.optimize.trial_store import is_resumable

        self.run_id = run_id
        run = self.store.run(run_id)
        self.result = None
        self._refresh_curves()
        self.summary.setText(self._summary_text(run.result) if run.result and run.result.get("kd") else "")
        hint = " — Resume run continues it" if self.job_id is None and is_resumable(run) else ""
        self.status.setText(f"Run #{run_id}: {run.state}" + (f" — {run.error}" if run.error else "") + hint)
        self.runs.setCurrentIndex(max(0, self.runs.findData(run_id)))
        self._update_buttons()

    def _on_job_changed(self, job_id: int) -> None:
        if job_id == self.job_id and self._job_running_here():
            self.status.setText(self.ctx.services.jobs.get(job_id).progress.message)
            self._refresh_curves()

    def _refresh_curves(self) -> None:
        if self.run_id is None:
            return
        curves = self.store.curves(self.run_id)
        self.curves.set_curves(curves)
        emit_signal(self, "curvesChanged", sum(len(v) for v in curves.values()))

    @staticmethod
    def _summary_text(result: dict[str, Any]) -> str:
        kd, base = result["kd"], result["baseline"]
        n = len(kd["per_seed"])
        gain = 100 * (kd["mean"] - base["mean"])
        colour = "#16a34a" if gain > 0 else "#dc2626"
        return (
            f"Teacher {100 * result['teacher_accuracy']:.1f}% · student {result['student'][:48]}<br>"
            f"<b>With distillation {100 * kd['mean']:.2f}% ± {100 * kd['sd']:.2f}</b> · "
            f"trained alone {100 * base['mean']:.2f}% ± {100 * base['sd']:.2f} ({n} seeds) · "
            f"<span style='color:{colour}'>{gain:+.2f} points</span>"
        )

    def _on_done(self, store_path: Any, result: dict[str, Any]) -> None:
        self.job_id = None
        if store_path != self.store_path:  # another project is open now; its history has the run
            self._update_buttons()
            return
        self._reload_runs()
        self.show_run(result["run_id"])
        self.result = result
        self.summary.setText(self._summary_text(result))
        self.status.setText("Done")
        emit_signal(self, "finished", self.summary.text())

    def _on_failed(self, key: tuple[Any, int], job: Any) -> None:
        from studio.optimize.trial_store import TrialStore

        self.job_id = None
        store_path, run_id = key
        with TrialStore(store_path) as store:  # a crashed worker could not record its end
            try:
                if store.run(run_id).state in ("running", "queued"):
                    store.set_run_state(run_id, job.state.value, error=job.error)
            except KeyError:
                pass
        if store_path == self.store_path:
            self._reload_runs()
            self.show_run(run_id)
        self._update_buttons()
        self.status.setText(f"Distillation {job.state.value}: {job.error}" if job.error else job.state.value)
        emit_signal(self, "finished", self.status.text())

    def use_student(self) -> Any:
        """Make the distilled student (best seed) the project's model, as an undoable step. For a run shown
        from the history the student is rebuilt from its weights file in a job first; returns that job."""
        from studio.core.jobs import JobSpec
        from studio.optimize.nas.recipe_steps import distill_step
        from studio.workflows.distill import distilled_student_job

        r = self.result
        if r is None and self.run_id is not None:
            run = self.store.run(self.run_id)
            r = run.result if run.state == "succeeded" else None
        if r is None:
            return None
        step = distill_step(
            r["student_spec"], r["in_channels"], r["num_classes"], r["weights_path"], r["teacher_accuracy"]
        )
        text = f"Use distilled student ({100 * max(r['kd']['per_seed']):.1f}%)"
        if "loaded" in r:
            self._derive(text, {"loaded": r["loaded"], "step": step})
            return None
        self.status.setText("Loading the distilled student…")
        spec = JobSpec("Load distilled student", distilled_student_job, {"step": step}, runner="thread")
        return self.ctx.submit(spec, lambda result: self._derive(text, result), self._on_use_failed)

    def _derive(self, text: str, result: dict[str, Any]) -> None:
        self.ctx.session.derive(result["loaded"], text, result["step"])
        self.status.setText(f"{text}; Ctrl+Z undoes")
        emit_signal(self, "modelDerived", text)

    def _on_use_failed(self, job: Any) -> None:
        self.status.setText(f"Cannot use the student: {job.error}" if job.error else job.state.value)


def main(argv: list[str] | None = None) -> int:
    """Open the distillation panel on the demo model (``--screenshot PNG`` renders it and exits)."""
    from studio.ui.nas.panel import run_preview

    return run_preview(DistillPanel, argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
