"""The main window's project files: open, save, save as, autosave, crash recovery, and asking before losing edits.

A mixin of :class:`~studio.ui.main_window.MainWindow`: it works on the window's ``project``, ``project_path``,
``services``, ``session`` and ``stage_context``, and opens the project's model with ``open_model_spec_text``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.core.errors import StudioError
from studio.core.project_io import with_project_suffix

PROJECT_FILTER = "TinyML Studio project (*.tmlproj)"


class ProjectFiles:
    """File > Open/Save project, autosave and recovery for the window (see the module docstring)."""

    def choose_project(self) -> None:
        """File > Open project."""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), PROJECT_FILTER)
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> None:
        """Load a project file and open its model."""
        try:
            project = self.services.load_project(path)
        except StudioError as exc:
            QMessageBox.warning(self, "Open project", str(exc))
            return
        self.project = project
        self.project_path = path
        self.session.undo_stack.clear()  # history belongs to the project that was open before
        self.services.recent_files.add(path)
        self._open_project_model()

    def save_project(self) -> bool:
        """File > Save project (asks for a path the first time)."""
        if self.project_path is None:
            return self.save_project_as()
        try:
            self.services.save_project(self.project, self.project_path)
        except StudioError as exc:
            QMessageBox.warning(self, "Save project", str(exc))
            return False
        self.services.recent_files.add(self.project_path)
        self.statusBar().showMessage(f"Saved {self.project_path.name}", 4000)
        return True

    def save_project_as(self) -> bool:
        """File > Save project as."""
        path, _ = QFileDialog.getSaveFileName(self, "Save project", self._last_dir(), PROJECT_FILTER)
        if not path:
            return False
        self.project_path = with_project_suffix(path)
        return self.save_project()

    def _autosave(self) -> None:
        try:
            self.services.autosave(self.project)
        except StudioError as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)

    def offer_recovery(self) -> None:
        """After a crash, offer the autosaved projects that are newer than their saved files."""
        for item in self.services.recoverable_projects():
            answer = QMessageBox.question(
                self,
                "Recover project",
                f"TinyML Studio closed before this project was saved:\n{item.label}\n\nRecover it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.services.discard_recoverable(item)
                continue
            try:
                self.project = self.services.recover_project(item)
            except StudioError as exc:
                QMessageBox.warning(self, "Recover project", str(exc))
                continue
            self.project_path = self.project.path
            self._open_project_model()
            return

    def _open_project_model(self) -> None:
        self.stage_context.projectChanged.emit()  # stages that keep per-project state switch to this one
        ref = self.project.model
        if ref is not None:
            self.open_model_spec_text(ref.path, steps=list(self.project.steps), **dict(ref.options))

    def _confirm_discard_changes(self) -> bool:
        """Ask before losing edits to a saved project; untitled scratch sessions close without asking."""
        if self.project_path is None or not self.project.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.project_path.name} before closing?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard
