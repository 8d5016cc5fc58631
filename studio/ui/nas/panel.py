"""The Search stage: "Architecture search" and "Distillation" tabs sharing the project's trial database.

Run ``python -m studio.ui.nas.panel`` to open it on the demo model; ``--store FILE`` shows an existing trial
database (``tinyml-studio nas --out DIR`` writes ``DIR/trials.sqlite``), ``--search`` starts a short search
on digits right away, ``--screenshot PNG`` renders the window once the data is shown and exits.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class SearchStage(QWidget):
    """The stage widget (factory for the sidebar entry): the NAS panel and the distillation panel.

    Both show the trial database of the window's project: when another project is opened (or the unsaved one
    is saved, which moves its database beside the file) they switch to it, unless ``store_path`` pinned one.
    """

    def __init__(self, ctx: Any, parent: QWidget | None = None, store_path: Any = None) -> None:
        super().__init__(parent)
        from studio.ui.distill.panel import DistillPanel
        from studio.ui.nas.nas_panel import NasPanel

        self.ctx = ctx
        self.pinned = store_path is not None
        self.tabs = QTabWidget(self)
        self.nas = NasPanel(ctx, self, store_path)
        self.distill = DistillPanel(ctx, self, store_path)
        self.tabs.addTab(self.nas, "Architecture search")
        self.tabs.addTab(self.distill, "Distillation")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.nas.distillRequested.connect(self._distill_into)
        ctx.modelChanged.connect(lambda _what: self.follow_project())
        if hasattr(ctx, "projectChanged"):
            ctx.projectChanged.connect(self.follow_project)

    def follow_project(self) -> None:
        """Show the current project's trial database (cheap when it is already shown: one path check)."""
        if self.pinned:
            return
        from studio.optimize.trial_store import adopt_unsaved_store

        path = adopt_unsaved_store(self.ctx.project)
        self.nas.set_store(path)
        self.distill.set_store(path)

    def showEvent(self, event: Any) -> None:
        self.follow_project()
        super().showEvent(event)

    def _distill_into(self, student_spec: str) -> None:
        import json

        arch = json.loads(student_spec.removeprefix("subnet:"))["arch"]
        label = f"searched r{arch['resolution']} w{arch['width']:g} d{','.join(map(str, arch['depths']))}"
        self.distill.set_student(student_spec, label)
        self.tabs.setCurrentWidget(self.distill)


def run_preview(widget_type: Any, argv: list[str]) -> int:
    """Open ``widget_type(ctx, None, store_path)`` on the demo model in a window of its own."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.ui.stages.context import standalone_context
    from studio.ui.theme import apply_theme

    parser = argparse.ArgumentParser(prog=f"python -m {widget_type.__module__}")
    parser.add_argument("--store", help="trial database to show (default: the demo project's)")
    parser.add_argument("--search", action="store_true", help="start a short search on digits at once")
    parser.add_argument("--screenshot", metavar="PNG", help="render to PNG and exit")
    parser.add_argument("--size", default="1500x860", help="window size WxH")
    parser.add_argument("--select", type=int, help="select this trial (1-based) before the screenshot")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "light")  # type: ignore[arg-type]
    ctx = standalone_context("demo")
    widget = widget_type(ctx, None, args.store)
    width, height = (int(v) for v in args.size.split("x"))
    widget.resize(width, height)
    widget.setWindowTitle("TinyML Studio — Search")
    widget.show()
    nas = getattr(widget, "nas", widget if hasattr(widget, "start_search") else None)
    if args.search and nas is not None:
        from dataclasses import replace

        request = replace(nas.build_request(), trials=12, population=6)
        nas.start_search(request)
    if args.select is not None and nas is not None:
        QTimer.singleShot(300, lambda: nas._select(args.select - 1))
    if args.screenshot:

        def shoot() -> None:
            widget.grab().save(args.screenshot)
            ctx.services.jobs.shutdown()
            app.quit()

        QTimer.singleShot(1500, shoot)
    code = app.exec()
    ctx.services.jobs.shutdown()
    return code


def main(argv: list[str] | None = None) -> int:
    return run_preview(SearchStage, argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
