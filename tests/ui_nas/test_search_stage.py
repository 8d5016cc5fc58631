"""The Search stage through its signals: a search grows the trial table and the front, a candidate becomes
the model (undoable), the table reopens from the store, distillation draws both curves and hands over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(qtbot: Any) -> Any:
    from studio.ui.stages.context import standalone_context

    context = standalone_context("demo")
    yield context
    assert context.services.jobs.shutdown(timeout=30)


@pytest.fixture
def stage(qtbot: Any, ctx: Any, tmp_path: Path) -> Any:
    from studio.ui.nas.panel import SearchStage

    widget = SearchStage(ctx, None, tmp_path / "p.trials.sqlite")
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    return widget


def _tiny_request(panel: Any, data: Path, **changes: Any) -> Any:
    from dataclasses import replace

    from studio.optimize.nas.constraints import Constraints
    from studio.optimize.nas.progressive import tiny_config
    from tests.optimize_nas.conftest import TINY_SPACE_TOML

    request = replace(
        panel.build_request(),
        data=str(data),
        space_toml=TINY_SPACE_TOML,
        supernet=tiny_config(batch_size=48),
        trials=4,
        population=2,
        constraints=Constraints(max_macs=400_000),
    )
    return replace(request, **changes)


def test_search_stage_is_in_the_sidebar() -> None:
    from studio.ui.stages import BUILTIN_STAGES

    assert any(s.id == "search" and s.factory == "studio.ui.nas.panel:SearchStage" for s in BUILTIN_STAGES)


@pytest.mark.slow
def test_search_grows_the_front_and_a_candidate_becomes_the_model(
    qtbot: Any, stage: Any, ctx: Any, small_digits_npz: Path
) -> None:
    panel = stage.nas
    counts: list[int] = []
    panel.trialsChanged.connect(counts.append)
    job = panel.start_search(_tiny_request(panel, small_digits_npz))
    assert job is not None and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: job.state.is_finished, timeout=180_000)
    assert job.state.name == "SUCCEEDED", job.error
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=10_000)
    assert len(panel.trials) == 4 and panel.table.trial_model.rowCount() == 4
    assert counts and counts[-1] == 4
    front = panel.plot.front_indices()
    assert front and set(front) == panel.table.trial_model.pareto
    assert all(t["macs"] <= 400_000 for t in panel.trials)

    best = max(panel.trials, key=lambda t: t["accuracy"])
    panel.table.select_trial(best["index"])
    assert panel.candidate.trial["index"] == best["index"] and panel.plot.selected == best["index"]
    original = ctx.session.opened
    panel.candidate.epochs.setValue(1)
    tune = panel.finetune(best["index"], 1)
    qtbot.waitUntil(lambda: tune.state.is_finished, timeout=180_000)
    assert tune.state.name == "SUCCEEDED", (tune.error, tune.error_detail[-2000:])
    qtbot.waitUntil(lambda: ctx.session.opened is not original, timeout=10_000)
    model = ctx.session.opened.model
    assert model.format == "derived" and model.input_shape[-1] == best["arch"]["resolution"]
    assert ctx.session.version.steps[-1]["kind"] == "nas-subnet"
    ctx.session.undo_stack.undo()
    assert ctx.session.opened is original

    with qtbot.waitSignal(stage.distill.student.currentIndexChanged, timeout=5_000, raising=False):
        panel.candidate.distill_button.click()
    assert stage.tabs.currentWidget() is stage.distill
    assert stage.distill.student_spec().startswith("subnet:")
    assert json.loads(stage.distill.student_spec()[len("subnet:") :])["arch"] == best["arch"]


def test_the_trial_table_reopens_from_the_store(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    from studio.optimize.trial_store import TrialStore
    from studio.ui.nas.nas_panel import NasPanel

    path = tmp_path / "old.trials.sqlite"
    with TrialStore(path) as store:
        run = store.create_run("nas", "earlier", {"constraints": {"max_macs": 900}})
        for i, (acc, macs) in enumerate([(0.9, 800), (0.7, 300), (0.6, 500), (0.95, 880)]):
            store.add_trial(
                run,
                {
                    "index": i,
                    "key": f"k{i}",
                    "arch": {},
                    "accuracy": acc,
                    "macs": macs,
                    "params": 10,
                    "flash_bytes": 100,
                    "peak_sram_bytes": 2048,
                    "generation": i // 2,
                    "origin": "random",
                },
            )
        store.set_run_state(run, "succeeded")
    panel = NasPanel(ctx, None, path)
    qtbot.addWidget(panel)
    assert panel.run_id == run and panel.table.trial_model.rowCount() == 4
    assert panel.plot.front_indices() == [1, 0, 3]
    assert panel.plot.limit_line.isVisible() and panel.plot.limit_line.value() == pytest.approx(900 / 1e6)
    panel.table.sortByColumn(2, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.SortOrder.AscendingOrder)
    first = panel.table.proxy.index(0, 0).data(256)
    assert first == 1  # cheapest first
    panel.plot.cost_box.setCurrentIndex(panel.plot.cost_box.findData("peak_sram_bytes"))
    assert panel.plot.front_indices() == [3]  # all cost the same SRAM: only the most accurate is on the front
    assert "#1" in panel.runs.itemText(0) and "4 trials" in panel.runs.itemText(0)


@pytest.mark.slow
def test_distillation_draws_both_curves_and_the_student_becomes_the_model(qtbot: Any, stage: Any, ctx: Any) -> None:
    from dataclasses import replace

    from studio.optimize.distill.config import DistillConfig

    panel = stage.distill
    request = replace(panel.build_request(), config=DistillConfig(epochs=2), seeds=(0, 1), train_samples=120)
    with qtbot.waitSignal(panel.finished, timeout=180_000):
        job = panel.start(request)
    assert job.state.name == "SUCCEEDED", job.error
    means = panel.curves.means
    assert [e for e, *_ in means["kd"]] == [1, 2] and [e for e, *_ in means["baseline"]] == [1, 2]
    assert means["kd"][0][3] == 2  # two seeds per point
    assert "With distillation" in panel.summary.text()
    with qtbot.waitSignal(panel.modelDerived, timeout=5_000):
        panel.use_button.click()
    assert ctx.session.version.steps[-1]["kind"] == "distill"
