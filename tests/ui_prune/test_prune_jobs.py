"""The Prune panel's jobs end to end through qtbot and the real job manager: cancelling a running scan,
the NetAdapt-style search, live fine-tuning curves and dependency-aware channel predictions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.gui


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


def test_scan_button_cancels_a_running_scan(panel: Any, qtbot: Any) -> None:
    panel.toolbar.grid.setValue(1)  # 100 levels x 4 layers: long enough to cancel half-way
    panel.toolbar.scan.click()
    job = panel._scan_job
    assert job is not None and panel.toolbar.scan.text() == "Cancel scan" and not panel.toolbar.grid.isEnabled()
    assert job.spec.kwargs["levels"] == tuple(i / 100 for i in range(100))  # the toolbar's grid
    qtbot.waitUntil(lambda: job.progress.done > 0, timeout=90_000)  # it is scanning
    panel.toolbar.scan.click()
    qtbot.waitUntil(lambda: job.state.is_finished, timeout=30_000)
    assert job.state.name == "CANCELLED" and job.progress.done < job.progress.total
    qtbot.waitUntil(lambda: panel.toolbar.scan.text() == "Scan", timeout=5_000)
    assert panel.decisions.scan is None and panel._scan_job is None and panel.toolbar.grid.isEnabled()
    panel.toolbar.grid.setValue(30)
    assert panel.toolbar.levels() == (0.0, 0.3, 0.6, 0.9)


@pytest.mark.slow
def test_search_job_sets_every_layer_for_the_target_in_one_undo_step(panel: Any, qtbot: Any) -> None:
    jobs = panel.ctx.services.jobs
    panel.toolbar.target.setCurrentIndex(panel.toolbar.target.findData("size"))
    assert panel.start_search() is None and not jobs.jobs  # the search targets an overall sparsity only
    panel.toolbar.target.setCurrentIndex(panel.toolbar.target.findData("sparsity"))
    panel.toolbar.value.setValue(30)
    stack = panel.ctx.session.undo_stack
    start = len(stack)
    panel.toolbar.search.click()
    qtbot.waitUntil(lambda: bool(panel.decisions.sparsities), timeout=120_000)
    search = next(j for j in jobs.jobs if j.title.startswith("NetAdapt"))
    assert search.state.name == "SUCCEEDED" and len(search.result["history"]) >= 6  # one cut per 5 %
    assert panel.decisions.prediction().sparsity == pytest.approx(0.30, abs=0.01)
    assert len(stack) == start + 1 and "Search to 30%" in stack.undo_text
    assert "30.0 %" in panel.prediction.text()
    stack.undo()
    assert panel.decisions.sparsities == {}


@pytest.mark.slow
def test_fine_tuning_curves_grow_while_the_job_runs(panel: Any, qtbot: Any) -> None:
    session = panel.ctx.session
    steps = len(session.version.steps)
    seen: list[tuple[int, int]] = []
    draw = panel.training.add

    def add(row: dict[str, float]) -> None:  # what had happened when each epoch was drawn
        seen.append((int(row["epoch"]), len(session.version.steps)))
        draw(row)

    panel.training.add = add
    panel.toolbar.epochs.setValue(2)
    panel.toolbar.finetune.click()
    assert panel.results.currentWidget() is panel.training
    qtbot.waitUntil(lambda: len(session.version.steps) > steps, timeout=120_000)
    assert [epoch for epoch, _ in seen] == [1, 2]
    assert all(n == steps for _, n in seen)  # both epochs were drawn before the job's result arrived
    x, loss = panel.training.loss.getData()
    _, accuracy = panel.training.accuracy.getData()
    assert list(x) == [1, 2] and all(v > 0 for v in loss) and all(90 < v <= 100 for v in accuracy)
    assert session.version.steps[-1] == {"kind": "finetune", "epochs": 2}


def test_channel_method_predicts_what_removed_channels_take_along(panel: Any, qtbot: Any) -> None:
    from studio.analysis.profile import profile_graph
    from studio.ui.format import human_count
    from studio.workflows.prune import prune_loaded

    sparsities = {"conv1": 0.5, "conv2": 0.5, "conv3": 0.5}
    panel.decisions.set_all(sparsities, "half the channels")
    per_layer = panel.decisions.prediction()
    panel.toolbar.method.setCurrentIndex(panel.toolbar.method.findData("channel"))
    assert panel.decisions.method == "channel"
    qtbot.waitUntil(lambda: panel.decisions.costs.channels is not None, timeout=30_000)
    predicted = panel.decisions.prediction()
    pruned, _ = prune_loaded(panel.ctx.session.opened.model, {"method": "channel", "sparsities": sparsities})
    measured = profile_graph(pruned.graph).total
    assert (predicted.params, predicted.macs) == (measured.params, measured.macs)
    assert predicted.params < per_layer.params
    assert human_count(predicted.params) in panel.prediction.text()
    panel.ctx.session.undo_stack.undo()  # back to magnitude: the per-layer prediction again
    assert panel.decisions.method == "magnitude" and panel.decisions.prediction() == per_layer
