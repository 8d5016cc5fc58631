"""A project round trip: open the demo, prune it in the Prune stage, save the .tmlproj, open it in a new
window: the pruned version comes back (its steps replayed), weight for weight, with its graph badges."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

pytestmark = pytest.mark.gui

TIMEOUT_MS = 180_000


@pytest.fixture
def new_window(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """Windows with their own services, as two launches of the app; dialogs are recorded, not shown."""
    from PySide6.QtWidgets import QMessageBox

    from studio.app import AppServices
    from studio.ui.main_window import MainWindow

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a, **k: shown.append((title, text)))
    # closing a window with unsaved changes asks; a test answers "discard" rather than block
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    opened: list[Any] = []

    def make() -> Any:
        win = MainWindow(AppServices())
        win.dialogs_shown = shown  # type: ignore[attr-defined]
        qtbot.addWidget(win)
        win.show()
        opened.append(win)
        return win

    yield make
    for win in opened:
        win.close()
        win.services.jobs.shutdown()
    assert not shown, shown


@pytest.mark.slow
def test_pruned_demo_saved_as_a_project_reopens_pruned(
    new_window: Callable[[], Any], qtbot: Any, tmp_path: Path
) -> None:
    first = new_window()
    with qtbot.waitSignal(first.modelShown, timeout=TIMEOUT_MS):
        first.open_target("demo")
    panel = first.show_stage("prune")
    panel.decisions.set_all({"conv2": 0.5, "conv3": 0.6}, "by hand")
    panel.toolbar.apply.click()
    session = first.session
    qtbot.waitUntil(lambda: len(session.version.steps) == 1, timeout=TIMEOUT_MS)
    step = session.version.steps[0]
    assert step == {"kind": "prune", "method": "magnitude", "sparsities": {"conv2": 0.5, "conv3": 0.6}}
    assert first.project.steps == [step]
    pruned = session.opened.model.module
    path = tmp_path / "pruned.tmlproj"
    first.project_path = path
    assert first.save_project() and path.exists()

    second = new_window()
    with qtbot.waitSignal(second.modelShown, timeout=TIMEOUT_MS):
        second.open_project(path)
    again = second.session
    assert again.version.steps == (step,) and second.project.steps == [step]
    module = again.opened.model.module
    for name in ("conv1", "conv2", "conv3", "fc"):
        assert torch.equal(module.get_submodule(name).weight, pruned.get_submodule(name).weight), name
    zeros = float((module.conv2.weight == 0).float().mean())
    assert zeros == pytest.approx(0.5, abs=1e-3)
    assert second.graph_view._marks == {"conv2": "−50%", "conv3": "−60%"}  # the badges come back too
    assert again.opened.profile.total.params == session.opened.profile.total.params
    reopened_panel = second.show_stage("prune")
    assert reopened_panel.decisions.costs is not None and "conv2" in reopened_panel.decisions.costs.layers
    reopened_panel.decisions.set_all({"conv1": 0.25}, "more")  # and the reopened version prunes further
    reopened_panel.toolbar.apply.click()
    qtbot.waitUntil(lambda: len(again.version.steps) == 2, timeout=TIMEOUT_MS)
    assert second.project.steps[-1]["sparsities"] == {"conv1": 0.25}
    assert float((again.opened.model.module.conv2.weight == 0).float().mean()) == pytest.approx(0.5, abs=1e-3)
    assert second.graph_view._marks == {"conv1": "−25%", "conv2": "−50%", "conv3": "−60%"}  # earlier ones stay
