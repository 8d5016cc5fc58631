"""The window lists the Prune stage and marks pruned layers in the graph view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    from studio.app import AppServices
    from studio.ui.main_window import MainWindow

    services = AppServices()
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    services.jobs.shutdown()


def test_prune_stage_is_listed_and_pruned_layers_get_badges(window: Any, qtbot: Any) -> None:
    from studio.workflows.model_spec import resolve_model_spec
    from studio.workflows.open_model import open_and_profile
    from studio.workflows.prune import node_marks, prune_loaded

    titles = [window.stage_list.item(i).text() for i in range(window.stage_list.count())]
    assert "Prune" in titles
    window.session.open_model(open_and_profile(resolve_model_spec("demo")))
    pruned, _report = prune_loaded(window.session.opened.model, {"method": "magnitude", "sparsities": {"conv2": 0.5}})
    pruned.metadata["node_marks"] = node_marks(pruned.graph, pruned.metadata["pruned_layers"])
    window.session.derive(pruned, "Prune", {"kind": "prune", "method": "magnitude", "sparsities": {"conv2": 0.5}})
    assert window.graph_view._marks == {"conv2": "−50%"}
    assert window.project.steps[-1]["kind"] == "prune"  # the project records the step
    window.session.undo_stack.undo()
    assert window.graph_view._marks == {}
    panel = window.show_stage("prune")
    assert panel.decisions.costs is not None and "conv2" in panel.decisions.costs.layers
