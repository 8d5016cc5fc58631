"""The main window's stage sidebar: the list of stages on the left and the stack of their widgets it switches.

Why a mixin of :class:`~studio.ui.main_window.MainWindow`: the sidebar is its own concept (built-in and plugin
stages, built when first shown, Ctrl+1..9), but it shares the window's session, jobs and action binder, so it
lives in its own module and works on the window's attributes (``session``, ``services``, ``jobs``, ``project``,
``center``, ``binder``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QMessageBox, QStackedWidget, QWidget


class StageSidebar:
    """Stages: ``stages`` (their specs, in sidebar order), ``stage_widgets`` (built ones, by id), ``stage_context``
    (what every stage gets), ``stage_list`` and ``stage_stack``."""

    def _build_stages(self) -> None:
        """The sidebar of stages and the stack it switches; stage widgets are built when first shown."""
        from studio.ui.stages import BUILTIN_STAGES, StageSpec
        from studio.ui.stages.context import StageContext

        self.stage_context = StageContext(
            self.session,
            self.services,
            self.jobs.submit,
            lambda: self.project,
            status=self.statusBar().showMessage,
            on_failure=self._on_job_failed,
            parent=self,
        )
        self.stages: list[StageSpec] = []
        self.stage_widgets: dict[str, QWidget] = {}
        self.stage_list = QListWidget(self)
        self.stage_list.setObjectName("stage-sidebar")
        self.stage_list.setFixedWidth(112)
        self.stage_list.setFrameShape(QListWidget.Shape.NoFrame)
        self.stage_stack = QStackedWidget(self)
        self.stage_list.currentRowChanged.connect(self.show_stage_at)
        container = QWidget(self)
        layout = QHBoxLayout(container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stage_list)
        layout.addWidget(self.stage_stack, 1)
        self.setCentralWidget(container)
        self.add_stage(StageSpec("model", "Model", lambda _ctx: self.center, "The graph and what every layer costs"))
        for stage in BUILTIN_STAGES:
            self.add_stage(stage)
        self.stage_list.setCurrentRow(0)

    def add_stage(self, stage: Any) -> None:
        """Append a stage to the sidebar (with a Ctrl+N shortcut for the first nine); built when first shown."""
        index = len(self.stages)
        self.stages.append(stage)
        item = QListWidgetItem(stage.title)
        shortcut = f"Ctrl+{index + 1}" if index < 9 else ""
        item.setToolTip(f"{stage.tip} ({shortcut})" if shortcut and stage.tip else stage.tip or shortcut)
        item.setSizeHint(QSize(100, 44))
        self.stage_list.addItem(item)
        self.stage_list.setVisible(len(self.stages) > 1)  # one stage needs no sidebar
        if stage.id == "model":
            self.stage_widgets["model"] = self.center
            self.stage_stack.addWidget(self.center)
        if shortcut and hasattr(self, "binder"):
            self._add_stage_action(index)

    def show_stage(self, stage_id: str) -> QWidget:
        """Switch the centre to stage ``stage_id`` (building it on first use); returns its widget."""
        index = next(i for i, s in enumerate(self.stages) if s.id == stage_id)
        self.stage_list.setCurrentRow(index)
        return self.stage_widgets[stage_id]

    def show_stage_at(self, index: int) -> None:
        """Sidebar selection: show stage number ``index``, building it if it is new."""
        if not 0 <= index < len(self.stages):
            return
        stage = self.stages[index]
        widget = self.stage_widgets.get(stage.id)
        if widget is None:
            try:
                widget = stage.build(self.stage_context)
            except Exception as exc:  # a broken stage (often a plugin's) must not take the window down
                QMessageBox.critical(
                    self, stage.title, f"The {stage.title} stage failed to open: {type(exc).__name__}: {exc}"
                )
                self.stage_list.setCurrentRow(0)
                return
            self.stage_widgets[stage.id] = widget
            self.stage_stack.addWidget(widget)
        self.stage_stack.setCurrentWidget(widget)
        if self.stage_list.currentRow() != index:
            self.stage_list.setCurrentRow(index)

    def _add_stage_actions(self) -> None:
        self.binder.menus["View"].addSeparator()
        for i in range(min(9, len(self.stages))):
            self._add_stage_action(i)

    def _add_stage_action(self, index: int) -> None:
        stage = self.stages[index]
        self.binder.add(
            f"view.stage.{stage.id}",
            f"{stage.title} Stage",
            lambda: self.show_stage_at(index),
            shortcut=f"Ctrl+{index + 1}",
            menu="View",
            tip=stage.tip or f"Show the {stage.title} stage",
        )
