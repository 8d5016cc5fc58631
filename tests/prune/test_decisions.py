"""Per-layer decisions: undoable, drags merge into one step, predictions follow."""

from __future__ import annotations

import pytest

from studio.core.commands import UndoStack
from studio.optimize.prune.decisions import PruneDecisions
from tests.prune.test_allocate import COSTS, _scan


def test_edits_are_undoable_and_a_drag_is_one_step() -> None:
    stack = UndoStack()
    decisions = PruneDecisions(stack)
    seen: list[str] = []
    decisions.changed.connect(seen.append)
    decisions.set_scan(_scan(), COSTS)
    for value in (0.1, 0.2, 0.3):
        decisions.set_sparsity("robust", value)
    decisions.end_drag()
    decisions.set_sparsity("fragile", 0.2)
    assert len(stack) == 2 and decisions.sparsities == {"robust": 0.3, "fragile": 0.2}
    stack.undo()
    assert decisions.sparsities == {"robust": 0.3}
    stack.undo()
    assert decisions.sparsities == {} and stack.undo_text == ""
    stack.redo()
    assert decisions.sparsity("robust") == 0.3
    assert "scan" in seen and seen.count("sparsity") >= 5


def test_allocation_replaces_everything_in_one_step_and_predictions_follow() -> None:
    stack = UndoStack()
    decisions = PruneDecisions(stack)
    decisions.set_scan(_scan(), COSTS)
    decisions.set_sparsity("fragile", 0.4)
    decisions.set_all({"robust": 0.8}, "Allocate 40%")
    assert decisions.sparsities == {"robust": 0.8}
    assert decisions.prediction().sparsity == pytest.approx(0.4)
    assert decisions.step_params() == {"method": "magnitude", "sparsities": {"robust": 0.8}}
    stack.undo()
    assert decisions.sparsities == {"fragile": 0.4}
    decisions.set_method("2:4")
    assert decisions.step_params() == {"method": "2:4"}
    stack.undo()
    assert decisions.method == "magnitude"
