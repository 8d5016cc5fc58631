"""The Deploy panel: boards listed, Deploy runs the real job on qemu-m4, the report and timeline fill in."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import needs_arm, needs_qemu

pytestmark = [pytest.mark.gui, pytest.mark.slow, needs_arm, needs_qemu]


def test_deploy_button_runs_the_job_and_shows_the_report(qtbot) -> None:
    from studio.ui.deploy.panel import DeployPanel
    from studio.ui.stages.context import standalone_context

    ctx = standalone_context("demo")
    panel = DeployPanel(ctx)
    qtbot.addWidget(panel)
    ids = [panel.board_box.itemData(i) for i in range(panel.board_box.count())]
    assert "qemu-m4" in ids and "pico" in ids and panel.board_id() == "qemu-m4"
    panel.samples.setValue(5)
    with qtbot.waitSignal(panel.deployed, timeout=240_000) as blocker:
        qtbot.mouseClick(panel.deploy_button, __import__("PySide6.QtCore").QtCore.Qt.LeftButton)
    result = blocker.args[0]
    assert result["mismatches"] == 0 and result["samples"] == 5
    assert panel.table.rowCount() == len(result["memory"]["layers"]) and panel.table.item(0, 0).text() == "conv1"
    assert "bit-exact" in panel.summary.text()
    assert len(panel.timeline.getPlotItem().items) >= len(result["memory"]["timeline"])
    ctx.services.jobs.shutdown() if hasattr(ctx.services.jobs, "shutdown") else None
