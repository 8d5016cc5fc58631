"""The main window: graph in the centre, layer table and properties in docks, jobs at the bottom.

The window owns no model logic: it observes :class:`studio.workflows.session.StudioSession`, submits workflow
functions as jobs, and turns their results into views. Every action comes from the declared list in
:mod:`studio.core.actions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from studio.core.errors import StudioError
from studio.core.project_io import PROJECT_SUFFIX
from studio.ui.action_binding import ActionBinder
from studio.ui.format import human_bytes, human_count
from studio.ui.job_results import JobResultRouter
from studio.ui.layers.table import LayerTable
from studio.ui.properties import PropertiesPanel
from studio.ui.theme import apply_theme
from studio.ui.welcome import WelcomePage
from studio.ui.window_model_actions import ModelActions
from studio.ui.window_project import ProjectFiles
from studio.ui.window_stages import StageSidebar
from studio.workflows.model_spec import model_ref_from_spec, resolve_model_spec
from studio.workflows.session import StudioSession

MODEL_FILTER = (
    "Models (*.onnx *.pt2 *.pt *.pth *.bin *.ts *.torchscript *.py);;"
    "ONNX (*.onnx);;torch.export (*.pt2);;TorchScript / state_dict (*.pt *.pth *.bin);;"
    "Python file (*.py);;All files (*)"
)


class MainWindow(StageSidebar, ProjectFiles, ModelActions, QMainWindow):
    """The studio window. ``services`` bundles preferences, plugins, jobs and project storage."""

    modelShown = Signal()  # emitted once the graph of a newly opened model is laid out (tests, screenshots)

    def __init__(self, services: Any) -> None:
        super().__init__()
        self.services = services
        self.session = StudioSession()
        self.project_path: Path | None = None
        self.project = services.new_project()
        self.setWindowTitle("TinyML Studio")
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        from studio.ui.jobs.bridge import QtJobBridge
        from studio.ui.jobs.panel import JobPanel

        self._graph_view: Any = None  # built when first needed: the welcome page shows without it
        self.welcome = WelcomePage(self)
        self.center = QStackedWidget(self)
        self.center.addWidget(self.welcome)

        self.layer_table = LayerTable(self)
        self.properties = PropertiesPanel(self)
        self.job_bridge = QtJobBridge(services.jobs, self)
        self.job_panel = JobPanel(services.jobs, bridge=self.job_bridge, parent=self)
        self.jobs = JobResultRouter(services.jobs, self.job_bridge, self)
        self._build_stages()
        self.layers_dock = self._dock("Layers", self.layer_table, Qt.DockWidgetArea.RightDockWidgetArea)
        self.properties_dock = self._dock("Properties", self.properties, Qt.DockWidgetArea.RightDockWidgetArea)
        self.jobs_dock = self._dock("Jobs", self.job_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.layers_dock, self.properties_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.layers_dock], [700], Qt.Orientation.Horizontal)
        self.resizeDocks([self.layers_dock, self.properties_dock], [520, 300], Qt.Orientation.Vertical)
        self.resizeDocks([self.jobs_dock], [150], Qt.Orientation.Vertical)

        self.status_model = QLabel("No model")
        self.status_totals = QLabel("")
        self.status_accuracy = QLabel("")
        for label in (self.status_model, self.status_totals, self.status_accuracy):
            self.statusBar().addPermanentWidget(label)

        self.binder = ActionBinder(self, services.declared_actions(), self._handlers())
        self._plugins_added = False
        self._add_stage_actions()
        self._add_dock_toggles()
        self._wire()
        self._refresh_welcome()
        self._refresh_actions()
        self._restore_geometry()
        QTimer.singleShot(100, self.load_plugins)  # after the first paint: nobody reaches a menu sooner

        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self._autosave)
        self.autosave_timer.start(max(5, int(services.preferences.autosave_interval_s)) * 1000)

    # ----------------------------------------------------------------------------------------------- building
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def load_plugins(self) -> None:
        """Load the plugins (once) and add their actions and stages; called just after the window shows."""
        if self._plugins_added:
            return
        self._plugins_added = True
        self.services.load_plugins()
        self._add_plugin_actions()
        from studio.ui.stages import StageSpec

        for panel in self.services.plugins.panels:
            self.add_stage(StageSpec(panel.id, panel.title, panel.factory, getattr(panel, "tip", "")))
        self._refresh_actions()

    def _handlers(self) -> dict[str, Any]:
        return {
            "file.open_model": self.choose_model,
            "file.open_project": self.choose_project,
            "file.save_project": self.save_project,
            "file.save_project_as": self.save_project_as,
            "file.export_profile": self.export_profile,
            "file.quit": self.close,
            "edit.undo": lambda: self.active_undo_stack().undo(),
            "edit.redo": lambda: self.active_undo_stack().redo(),
            "edit.find": self.focus_find,
            "edit.preferences": self.edit_preferences,
            "view.fit": lambda: self.graph_view.fit(),
            "view.zoom_in": lambda: self.graph_view.zoom_in(),
            "view.zoom_out": lambda: self.graph_view.zoom_out(),
            "view.toggle_theme": self.toggle_theme,
            "view.command_palette": self.show_command_palette,
            "model.evaluate": self.evaluate,
            "model.measure_latency": self.measure_latency,
            "model.choose_dataset": self.choose_dataset,
            "help.about": self.show_about,
            "help.shortcuts": self.show_shortcuts,
        }

    def _add_plugin_actions(self) -> None:
        for plugin_action in self.services.plugin_actions():
            self.binder.add(
                plugin_action.id,
                plugin_action.title,
                lambda a=plugin_action: self._run_plugin_action(a),
                shortcut=plugin_action.shortcut,
                menu="Model",
                tip=plugin_action.tip,
                enabled_when="has_model",
            )

    def _add_dock_toggles(self) -> None:
        view_menu = self.binder.menus["View"]
        view_menu.addSeparator()
        for dock in (self.layers_dock, self.properties_dock, self.jobs_dock):
            view_menu.addAction(dock.toggleViewAction())

    def _wire(self) -> None:
        self._selecting = False
        self.session.changed.connect(self._on_session_changed)
        self.stage_context.layerSelected.connect(self._on_layer_selected_in_stage)
        self.session.undo_stack.changed.connect(lambda *_: self._refresh_actions())
        self.stage_context.undoStacksChanged.connect(self._refresh_actions)
        self.stage_stack.currentChanged.connect(lambda *_: self._refresh_actions())
        self.layer_table.layerSelected.connect(self._on_layer_selected_in_table)
        self.welcome.openModelRequested.connect(self.choose_model)
        self.welcome.openDemoRequested.connect(lambda: self.open_target("demo"))
        self.welcome.openPathRequested.connect(self.open_target)

    @property
    def graph_view(self) -> Any:
        """The graph view, created on first use (its imports are the heaviest part of the window)."""
        if self._graph_view is None:
            from studio.ui.graph.view import GraphView

            view = GraphView(self)
            view.nodeSelected.connect(self._on_node_selected_in_graph)
            view.layoutReady.connect(self.modelShown)
            self.center.addWidget(view)
            self._graph_view = view
        return self._graph_view

    def active_undo_stack(self) -> Any:
        """What Edit > Undo/Redo act on: the shown stage's own stack if it offered one, else the model history."""
        offered = self.stage_context.undo_stack_for(self.stage_stack.currentWidget())
        return offered if offered is not None else self.session.undo_stack

    def _refresh_actions(self) -> None:
        stack = self.active_undo_stack()
        self.binder.refresh(
            {"has_model": self.session.opened is not None, "can_undo": stack.can_undo, "can_redo": stack.can_redo}
        )
        for action_id, text in (("edit.undo", stack.undo_text), ("edit.redo", stack.redo_text)):
            action = self.binder.actions.get(action_id)
            if action is not None:
                verb = "Undo" if action_id == "edit.undo" else "Redo"
                action.setText(f"{verb} {text}" if text else verb)

    def _refresh_welcome(self) -> None:
        self.welcome.set_recent(self.services.recent_files.list())

    # -------------------------------------------------------------------------------------------- opening
    def open_target(self, target: str) -> None:
        """Open what a user named: a project file, a model file, or ``demo``."""
        if target.endswith(PROJECT_SUFFIX):
            self.open_project(Path(target))
        else:
            self.open_model_spec_text(target)

    def open_model_spec_text(self, text: str, steps: list[dict[str, Any]] | None = None, **options: Any) -> None:
        """Open a model in a background job (reading and profiling may take seconds).

        ``steps`` (from a saved project) are replayed on it in the same job, so the project reopens as it was.
        """
        from studio.core.jobs import JobSpec
        from studio.workflows.open_model import open_model_job

        data = self.project.dataset or self.services.preferences.default_dataset

        def job(ctx: Any) -> Any:
            # Resolving "demo" may train the demo model: keep it off the GUI thread too.
            return open_model_job(ctx, resolve_model_spec(text, **options), steps=steps or (), data=data)

        label = "demo" if text == "demo" else Path(text).name
        self.statusBar().showMessage(f"Opening {label}…")
        self.jobs.submit(
            JobSpec(title=f"Open {label}", fn=job, kwargs={}, runner="thread"),
            self._on_model_opened,
            self._on_job_failed,
        )

    def _on_model_opened(self, opened: Any) -> None:
        self.session.open_model(opened, steps=tuple(opened.model.metadata.get("steps", ())))
        if not opened.spec.is_demo:
            self.services.recent_files.add(opened.spec.path)
        self.project.set("model", model_ref_from_spec(opened.spec))
        self.statusBar().showMessage(f"Opened {opened.model.display_name}", 4000)
        self._refresh_welcome()

    def _on_job_failed(self, job: Any) -> None:
        if job.state.name == "FAILED":
            self.statusBar().showMessage(job.error, 8000)
            QMessageBox.warning(self, job.title, job.error)

    def choose_model(self) -> None:
        """File > Open model."""
        path, _ = QFileDialog.getOpenFileName(self, "Open model", self._last_dir(), MODEL_FILTER)
        if path:
            self.open_model_spec_text(path)

    def _last_dir(self) -> str:
        recent = self.services.recent_files.list()
        return str(recent[0].parent) if recent else str(Path.home())

    # ------------------------------------------------------------------------------------ session -> views
    def _on_session_changed(self, what: str) -> None:
        version = self.session.version
        opened = self.session.opened
        if opened is None:
            self.center.setCurrentWidget(self.welcome)
            self.layer_table.set_profile(None)
            self.properties.show_model(None, None)
            self.status_model.setText("No model")
            self.status_totals.setText("")
            self.status_accuracy.setText("")
            self.setWindowTitle("TinyML Studio")
            self._refresh_actions()
            return
        if what == "model":
            self._sync_project_steps()
            self.center.setCurrentWidget(self.graph_view)
            self.graph_view.set_graph(opened.model.graph)
            self.graph_view.set_marks(opened.model.metadata.get("node_marks", {}))  # e.g. pruned layers
        selected = self.layer_table.selected_layer()
        self.layer_table.set_profile(opened.profile)
        if selected:
            self.layer_table.select_layer(selected)
        t = opened.profile.total
        self.status_model.setText(f"{opened.model.display_name} · {opened.model.format}")
        latency = f" · {t.latency_ms:.3f} ms" if t.latency_ms is not None else ""
        self.status_totals.setText(
            f"{human_count(t.params)} params · {human_count(t.macs)} MACs · {human_bytes(t.weight_bytes)} weights"
            f" · peak activations {human_bytes(t.peak_activation_bytes)}{latency}"
        )
        extra = self._results_text(version)
        self.status_accuracy.setText(extra.get("accuracy", ""))
        self.properties.show_model(opened.model, opened.profile, extra)
        self.setWindowTitle(f"{opened.model.display_name} — TinyML Studio")
        self._refresh_actions()

    def _sync_project_steps(self) -> None:
        # The project records the steps of the current version, so save and undo agree with what is shown.
        version = self.session.version
        steps = [dict(step) for step in version.steps] if version is not None else []
        if steps != list(self.project.steps):
            self.project.set("steps", steps)

    def _results_text(self, version: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        if version is not None and version.evaluation is not None:
            ev = version.evaluation
            out["accuracy"] = f"accuracy {100 * ev['accuracy']:.2f}% on {ev['data']} ({ev['samples']} samples)"
        elif version is not None and version.opened.spec.is_demo:
            recorded = version.opened.model.metadata.get("accuracy")
            if recorded is None:
                recorded = self.services.demo_accuracy()
            if recorded is not None:
                out["accuracy"] = f"accuracy {100 * recorded:.2f}% on digits (recorded at training)"
        return out

    def _on_node_selected_in_graph(self, name: str) -> None:
        self.layer_table.select_layer(name)
        self._show_node(name)
        self._announce_selection(name)

    def _on_layer_selected_in_table(self, name: str) -> None:
        self.graph_view.select_node(name)
        self._show_node(name)
        self._announce_selection(name)

    def _announce_selection(self, name: str) -> None:
        # Stages hear the selection; the guard stops their echo from coming back here.
        if not self._selecting:
            self._selecting = True
            try:
                self.stage_context.select_layer(name)
            finally:
                self._selecting = False

    def _on_layer_selected_in_stage(self, name: str) -> None:
        if self._selecting:
            return
        self._selecting = True
        try:
            self.graph_view.select_node(name)
            self.layer_table.select_layer(name)
            self._show_node(name)
        finally:
            self._selecting = False

    def _show_node(self, name: str) -> None:
        opened = self.session.opened
        if opened is None:
            return
        layer = next((lay for lay in opened.profile.layers if lay.name == name), None)
        self.properties.show_node(opened.model.graph, name, layer)

    # --------------------------------------------------------------------------------------------- plugins
    def _run_plugin_action(self, plugin_action: Any) -> None:
        from studio.core.plugins import ActionContext

        opened = self.session.opened
        ctx = ActionContext(
            model=opened.model if opened else None,
            parent=self,
            report_error=lambda msg: QMessageBox.warning(self, plugin_action.title, msg),
        )
        try:
            plugin_action.run(ctx)
        except StudioError as exc:
            QMessageBox.warning(self, plugin_action.title, str(exc))
        except Exception as exc:  # a plugin's bug must not take the window down
            QMessageBox.critical(self, plugin_action.title, f"The plugin failed: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------------------------------ the rest
    def focus_find(self) -> None:
        """Edit > Find: the graph's search box."""
        self.graph_view.focus_search()

    def toggle_theme(self) -> None:
        """View > Toggle theme, remembered in the preferences."""
        app = QApplication.instance()
        current = app.property("studioTheme") if app is not None else "light"
        new = "light" if current == "dark" else "dark"
        apply_theme(app, new)  # type: ignore[arg-type]
        self.services.update_preferences(theme=new)
        self.binder.actions["view.toggle_theme"].setChecked(new == "dark")
        if self._graph_view is not None:
            self._graph_view.refresh_theme()

    def edit_preferences(self) -> None:
        """Edit > Preferences."""
        from studio.ui.preferences_dialog import PreferencesDialog

        dialog = PreferencesDialog(self.services.preferences, self)
        if dialog.exec() and dialog.result_prefs is not None:
            try:
                self.services.set_preferences(dialog.result_prefs)
            except StudioError as exc:
                QMessageBox.warning(self, "Preferences", str(exc))
                return
            apply_theme(QApplication.instance(), dialog.result_prefs.theme)  # type: ignore[arg-type]
            self.autosave_timer.setInterval(max(5, int(dialog.result_prefs.autosave_interval_s)) * 1000)

    def show_command_palette(self) -> None:
        """View > Command palette."""
        from studio.ui.command_palette import CommandPalette  # first use only: it is not on the launch path

        CommandPalette(self.binder.all_actions(), self).exec()

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: generated from the same action list as the menus."""
        rows = "".join(
            f"<tr><td>{a.text().replace('&', '')}</td><td><b>{a.shortcut().toString()}</b></td></tr>"
            for a in self.binder.all_actions()
            if not a.shortcut().isEmpty()
        )
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellpadding=3>{rows}</table>")

    def show_about(self) -> None:
        """Help > About."""
        from studio import __version__

        QMessageBox.about(
            self,
            "About TinyML Studio",
            f"<b>TinyML Studio {__version__}</b><p>Inspect, prune, quantize and deploy neural "
            "networks to microcontrollers.</p>",
        )

    # ------------------------------------------------------------------------------ screenshots, recovery
    def render_screenshot_when_ready(self, path: Path, wait_for_model: bool = True, timeout_s: float = 180.0) -> None:
        """Save ``window.grab()`` to ``path`` once a model is shown (or at once without one), then quit.

        Used by ``tinyml-studio gui --screenshot`` for the README and the screenshot tests.
        """
        done = {"saved": False}
        self.resize(1440, 900)  # the documented size, whatever geometry the last session left

        def save() -> None:
            if done["saved"]:
                return
            done["saved"] = True
            path.parent.mkdir(parents=True, exist_ok=True)
            ok = self.grab().save(str(path))
            QApplication.exit(0 if ok else 1)

        if wait_for_model:
            self.modelShown.connect(lambda: QTimer.singleShot(300, save))
            QTimer.singleShot(int(timeout_s * 1000), save)
        else:
            QTimer.singleShot(300, save)

    # --------------------------------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_target(url.toLocalFile())
                event.acceptProposedAction()
                return

    # ------------------------------------------------------------------------------------ window geometry
    def _window_settings(self) -> QSettings:
        # Geometry alone lives in QSettings, in the studio's own config folder (tests get a private one).
        return QSettings(str(self.services.config_dir / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        settings = self._window_settings()
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_discard_changes():
            event.ignore()
            return
        settings = self._window_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        self.autosave_timer.stop()
        self.services.close_project(self.project)
        super().closeEvent(event)


def standard_shortcut_text(key: QKeySequence.StandardKey) -> str:
    """Portable text of a standard shortcut (for docs)."""
    return QKeySequence(key).toString()
