"""The Prune panel through its signals: curves, table, slider and drag edit one undoable decision set;
jobs scan, allocate, apply and compare; the window lists the stage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def demo_scan() -> dict[str, Any]:
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import resolve_model_spec
    from studio.workflows.sensitivity import scan_loaded

    model = ModelHandle(resolve_model_spec("demo")).load()
    return scan_loaded(model, "digits", levels=(0.0, 0.3, 0.6, 0.9), max_samples=150)


@pytest.fixture
def panel(qtbot: Any) -> Iterator[Any]:
    from studio.ui.prune.panel import PrunePanel
    from studio.ui.stages.context import standalone_context

    ctx = standalone_context("demo")
    widget = PrunePanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    widget._log.close()
    ctx.services.jobs.shutdown()


def test_scan_result_fills_curves_heatmap_and_table(panel: Any, demo_scan: dict[str, Any]) -> None:
    panel.on_scan_done(demo_scan)
    assert list(panel.curves._items) == ["conv1", "conv2", "conv3", "fc"]
    assert panel.heatmap.matrix.shape == (4, 4)
    assert panel.table.rowCount() == 4 and panel.table.item(1, 0).text() == "conv2"
    assert "Predicted" in panel.prediction.text() and "0.0 %" in panel.prediction.text()


def test_table_slider_and_drag_edit_one_undoable_decision(panel: Any, demo_scan: dict[str, Any], qtbot: Any) -> None:
    panel.on_scan_done(demo_scan)
    stack = panel.ctx.session.undo_stack
    start = len(stack)
    with qtbot.waitSignal(panel.ctx.layerSelected, timeout=2000) as selected:
        panel.table.selectRow(2)
    assert selected.args == ["conv3"] and panel.selected == "conv3"  # the demo's nodes are named after modules
    panel.table._spins["conv3"].setValue(50)
    assert panel.decisions.sparsity("conv3") == 0.5
    assert panel.slider.value() == 50 and "50 %" in panel.slider_label.text()
    for value in (55, 60, 65):
        panel.slider.setValue(value)
    panel.slider.sliderReleased.emit()
    assert panel.decisions.sparsity("conv3") == 0.65
    assert len(stack) == start + 2  # the spin box edit, then the whole slider drag as one step
    panel.curves.handle.setPos(80, 50)  # a drag on the plot: the handle snaps back onto the curve
    assert panel.decisions.sparsity("conv3") == pytest.approx(0.8)
    assert panel.curves.handle.pos().y() == pytest.approx(panel.decisions.scan.curve("conv3").accuracy_at(0.8) * 100)
    assert panel.table._spins["conv3"].value() == 80
    stack.undo()
    stack.undo()
    assert panel.decisions.sparsity("conv3") == 0.5 and panel.table._spins["conv3"].value() == 50


def test_clicking_a_curve_or_heatmap_row_selects_the_layer_everywhere(
    panel: Any, demo_scan: dict[str, Any], qtbot: Any
) -> None:
    panel.on_scan_done(demo_scan)
    with qtbot.waitSignal(panel.ctx.layerSelected, timeout=2000) as selected:
        panel.curves._items["fc"].sigClicked.emit(panel.curves._items["fc"], None)
    assert selected.args == ["fc"] and panel.table.selected_layer() == "fc"
    panel.heatmap.layerClicked.emit("conv1")
    assert panel.selected == "conv1" and "conv1" in panel.weights.info.text()
    panel.ctx.select_layer("conv2")  # from the graph or another stage
    assert panel.selected == "conv2"
    vb = panel.curves.plot.getViewBox()
    from PySide6.QtCore import QPointF

    x, y = panel.curves._curves["conv1"]
    hit = panel.curves.nearest_point(vb.mapViewToScene(QPointF(float(x[-1]), float(y[-1]))))
    assert hit is not None and hit[0] == "conv1" and hit[1] == pytest.approx(90)


def test_allocate_job_sets_every_layer_in_one_step(panel: Any, demo_scan: dict[str, Any], qtbot: Any) -> None:
    panel.on_scan_done(demo_scan)
    stack = panel.ctx.session.undo_stack
    start = len(stack)
    panel.toolbar.value.setValue(60)
    panel.toolbar.allocate.click()
    qtbot.waitUntil(lambda: bool(panel.decisions.sparsities), timeout=30_000)
    assert panel.decisions.prediction().sparsity == pytest.approx(0.6, abs=0.01)
    assert len(stack) == start + 1
    stack.undo()
    assert panel.decisions.sparsities == {}


@pytest.mark.slow
def test_scan_apply_compare_and_undo_through_jobs(panel: Any, qtbot: Any) -> None:
    panel.toolbar.scan.click()
    qtbot.waitUntil(lambda: panel.decisions.scan is not None, timeout=180_000)
    assert panel.decisions.scan.method == "cached"
    panel.decisions.set_all({"conv2": 0.5, "conv3": 0.5}, "test")
    session = panel.ctx.session
    steps_before = len(session.version.steps)
    panel.toolbar.apply.click()
    qtbot.waitUntil(lambda: len(session.version.steps) > steps_before, timeout=180_000)
    assert session.version.steps[-1]["kind"] == "prune"
    marks = session.opened.model.metadata["node_marks"]
    assert marks == {"conv2": "−50%", "conv3": "−50%"}
    qtbot.waitUntil(lambda: panel.compare.result is not None, timeout=180_000)
    assert panel.compare.result["after"]["params"] < panel.compare.result["before"]["params"]
    assert panel.compare.table.item(1, 2).text() != "–"
    session.undo_stack.undo()
    assert len(session.version.steps) == steps_before
