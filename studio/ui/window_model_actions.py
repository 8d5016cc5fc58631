"""The main window's actions on the open model: evaluate, measure latency, choose the data set, export the profile.

A mixin of :class:`~studio.ui.main_window.MainWindow`: each action reads the window's ``session``, ``project``
and ``services`` and submits a workflow function as a job through ``jobs`` (the same calls the CLI makes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox


class ModelActions:
    """Model > Evaluate, Measure latency, Choose data set; File > Export profile."""

    def evaluate(self) -> None:
        """Model > Evaluate: accuracy on the project's data set, in a worker process."""
        from studio.core.jobs import JobSpec
        from studio.workflows.evaluate import evaluate_job

        if self.session.opened is None:
            return
        data = self.project.dataset or self.services.preferences.default_dataset
        self.jobs.submit(
            JobSpec(
                title=f"Evaluate on {data}",
                fn=evaluate_job,
                kwargs={"spec": self.session.handle(), "data_spec": data},
                runner="process",
            ),
            self.session.record_evaluation,
            self._on_job_failed,
        )

    def measure_latency(self) -> None:
        """Model > Measure latency: per-layer timing in a worker process."""
        from studio.core.jobs import JobSpec
        from studio.workflows.latency import latency_job

        if self.session.opened is None:
            return
        repeats = int(self.services.preferences.latency_repeats)
        self.jobs.submit(
            JobSpec(
                title="Measure latency",
                fn=latency_job,
                kwargs={"spec": self.session.handle(), "repeats": repeats},
                runner="process",
            ),
            self.session.record_latency,
            self._on_job_failed,
        )

    def choose_dataset(self) -> None:
        """Model > Choose data set: digits, an image folder or a .npz; an undoable project edit."""
        from PySide6.QtWidgets import QInputDialog

        from studio.core.project import SetProjectFieldCommand

        choices = ["digits (built in)", "Image folder…", ".npz file…"]
        choice, ok = QInputDialog.getItem(self, "Data set", f"Current: {self.project.dataset}\nUse:", choices, 0, False)
        if not ok:
            return
        if choice.startswith("digits"):
            value = "digits"
        elif choice.startswith("Image"):
            value = QFileDialog.getExistingDirectory(self, "Image folder (one subfolder per class)", self._last_dir())
        else:
            value, _ = QFileDialog.getOpenFileName(self, "Data set", self._last_dir(), "NumPy archive (*.npz)")
        if value and value != self.project.dataset:
            self.session.undo_stack.push(
                SetProjectFieldCommand(self.project, "dataset", value, f"Use data set {Path(value).name}")
            )
            self.statusBar().showMessage(f"Data set: {value}", 4000)

    def export_profile(self) -> None:
        """File > Export profile as CSV or JSON."""
        opened = self.session.opened
        if opened is None:
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export profile", self._last_dir(), "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return
        from studio.analysis.export import profile_to_csv, profile_to_json

        as_json = path.endswith(".json") or (chosen.startswith("JSON") and not path.endswith(".csv"))
        target = Path(path if Path(path).suffix else path + (".json" if as_json else ".csv"))
        try:
            (profile_to_json if as_json else profile_to_csv)(opened.profile, target)
        except OSError as exc:
            QMessageBox.warning(self, "Export profile", f"could not write {target}: {exc.strerror}")
            return
        self.statusBar().showMessage(f"Exported {target.name}", 4000)
