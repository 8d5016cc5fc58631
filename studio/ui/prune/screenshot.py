"""Render the Prune panel for the docs: scan the demo, allocate 70 %, apply, fine-tune, compare, save a PNG."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QCoreApplication


def _pump_until(app: Any, done: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    return bool(done())


def render_screenshot(app: Any, panel: Any, path: str, timeout_s: float = 300.0, apply: bool = True) -> int:
    """Drive the panel through its own buttons' code paths and save ``path``; returns an exit status."""
    panel.start_scan()
    if not _pump_until(app, lambda: panel.decisions.scan is not None, timeout_s):
        print("scan did not finish")
        return 1
    panel.start_allocate()
    _pump_until(app, lambda: bool(panel.decisions.sparsities), 60)
    if apply:
        versions = len(panel.ctx.session.undo_stack)
        panel.start_apply()
        _pump_until(app, lambda: len(panel.ctx.session.undo_stack) > versions, timeout_s)
        _pump_until(app, lambda: panel.compare.result is not None, timeout_s)
        panel.compare.set_result(None)
        panel.start_finetune()
        _pump_until(app, lambda: len(panel.training.rows) >= int(panel.toolbar.epochs.value()), timeout_s)
        _pump_until(app, lambda: panel.compare.result is not None, timeout_s)
        panel.results.setCurrentWidget(panel.compare)
    layers = panel.decisions.scan.names
    panel._user_selects(layers[min(1, len(layers) - 1)])
    for _ in range(20):
        QCoreApplication.processEvents()
        time.sleep(0.02)
    panel.grab().save(path)
    print(f"wrote {path}")
    return 0
