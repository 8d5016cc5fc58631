"""Composition root: preferences, plugins, the job manager, then the window.

This is the only module outside :mod:`studio.ui` that touches Qt, and it imports Qt only inside
:func:`run_gui`, so ``import studio.app`` stays cheap for the CLI. torch is never imported before the window
is shown: opening a model happens in a job after the first paint.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

_T0 = time.time()


class AppServices:
    """Everything the window needs from the Qt-free core, in one object the tests can build too."""

    def __init__(self, preferences: Any | None = None) -> None:
        from studio.core.jobs import JobManager
        from studio.core.plugins import PluginRegistry
        from studio.core.project_io import Autosaver, RecentFiles
        from studio.core.settings import config_dir, load_preferences

        self.preferences = preferences if preferences is not None else load_preferences()
        self.config_dir = config_dir()
        self.recent_files = RecentFiles(self.config_dir, limit=self.preferences.recent_files_limit)
        self.plugins = PluginRegistry()
        self.plugin_reports: list[Any] = []
        self.plugins_loaded = False
        self.jobs = JobManager()
        self._autosaver_cls = Autosaver
        self._autosavers: dict[int, Any] = {}

    # --- actions and plugins
    def load_plugins(self) -> list[Any]:
        """Load the entry-point plugins once; returns their load reports.

        Why not in ``__init__``: scanning the installed distributions costs about a tenth of a second, which
        the window spends after it is on screen (it adds the plugins' actions and stages then).
        """
        if not self.plugins_loaded:
            from studio.core.plugins import load_plugins

            self.plugins_loaded = True
            self.plugin_reports = load_plugins(self.plugins)
        return self.plugin_reports

    def declared_actions(self) -> list[Any]:
        """The declared action list (menus, toolbar, shortcuts, command palette)."""
        from studio.core.actions import ACTIONS

        return list(ACTIONS)

    def plugin_actions(self) -> list[Any]:
        """Actions contributed by plugins (e.g. Open in Netron)."""
        return list(self.plugins.model_actions)

    # --- preferences
    def set_preferences(self, prefs: Any) -> None:
        """Validate and save new preferences; raises StudioError with a readable message."""
        from studio.core.settings import save_preferences

        save_preferences(prefs)
        self.preferences = prefs

    def update_preferences(self, **changes: Any) -> None:
        """Change a few fields and save."""
        self.set_preferences(replace(self.preferences, **changes))

    # --- projects
    def new_project(self) -> Any:
        """An empty, unsaved project."""
        from studio.core.project import Project

        return Project()

    def load_project(self, path: Path) -> Any:
        """Read a project file (ProjectError on a bad file)."""
        from studio.core.project_io import load_project

        return load_project(path)

    def save_project(self, project: Any, path: Path) -> None:
        """Atomically write ``project`` to ``path``; the autosave copy is dropped."""
        from studio.core.project_io import save_project

        save_project(project, path)

    def autosave(self, project: Any) -> None:
        """Write the project's autosave copy if it changed since the last save."""
        saver = self._autosavers.get(id(project))
        if saver is None:
            saver = self._autosaver_cls(project, interval_s=self.preferences.autosave_interval_s)
            self._autosavers[id(project)] = saver
        saver.autosave()

    def close_project(self, project: Any) -> None:
        """The window closed normally: drop the autosave copy and shut the job workers down."""
        saver = self._autosavers.pop(id(project), None)
        if saver is not None:
            saver.close()  # a deliberate close: nothing to recover next time
        self.jobs.shutdown()

    def recoverable_projects(self) -> list[Any]:
        """Autosaved projects left by a studio that did not exit cleanly."""
        from studio.core.autosave import find_recoverable

        return find_recoverable()

    def recover_project(self, item: Any) -> Any:
        """Open an autosave copy as a dirty project (ProjectError when unreadable)."""
        from studio.core.autosave import recover

        return recover(item)

    def discard_recoverable(self, item: Any) -> None:
        """Delete an autosave copy the user declined."""
        from studio.core.autosave import discard

        discard(item)

    def demo_accuracy(self) -> float | None:
        """Accuracy recorded when the demo model was trained, if it is on disk."""
        from studio.zoo.demo import recorded_demo_accuracy

        return recorded_demo_accuracy()


def _prepare_environment() -> None:
    # QtWebEngine (Netron view) refuses to start as root without this, and must know before QApplication.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def run_gui(target: str | None = None, screenshot: Path | None = None, exit_after_show: bool = False) -> int:
    """Show the window, optionally open ``target``; with ``screenshot`` render to PNG once it is ready and exit."""
    _prepare_environment()
    # Qt-free, so before PySide6: every module imported after PySide6 has its source read by its __feature__
    # import hook, which the core's modules need not pay.
    services = AppServices()
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from studio.ui.theme import apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("TinyML Studio")
    app.setOrganizationName("TinyML Studio")
    from studio.ui.gui_thread_gc import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector(app)  # Qt wrappers must never be collected on a worker thread
    apply_theme(app, services.preferences.theme)  # type: ignore[arg-type]

    from studio.ui.main_window import MainWindow

    window = MainWindow(services)
    window.show()
    if exit_after_show:
        # Measured by benchmarks/bench_launch.py: time from interpreter start to a shown window.
        def report() -> None:
            t0 = float(os.environ.get("TINYML_BENCH_T0", _T0))
            print(json.dumps({"shown_s": time.time() - t0, "torch_imported": "torch" in sys.modules}), flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    else:
        if screenshot is not None:
            window.render_screenshot_when_ready(screenshot, wait_for_model=bool(target))
        if target:
            QTimer.singleShot(0, lambda: window.open_target(target))
        elif screenshot is None:
            QTimer.singleShot(0, window.offer_recovery)
    try:
        return app.exec()
    finally:
        collector.stop()
