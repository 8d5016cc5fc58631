"""UndoStack: push/undo/redo, texts, clean state, limit, merging, failing commands, events."""

from __future__ import annotations

import pytest

from studio.core.commands import Command, CommandGroup, FunctionCommand, UndoStack


class SetValue(Command):
    """Sets ``box["v"]``; merges with the next SetValue when ``slider`` is True (like a slider drag)."""

    def __init__(self, box: dict, value: int, slider: bool = False) -> None:
        self.box = box
        self.value = value
        self.old: int | None = None
        self.slider = slider
        self.text = f"Set {value}"

    def do(self) -> None:
        if self.old is None:
            self.old = self.box["v"]
        self.box["v"] = self.value

    def undo(self) -> None:
        self.box["v"] = self.old

    def merge_with(self, other: Command) -> bool:
        if self.slider and isinstance(other, SetValue) and other.slider:
            self.value = other.value
            self.text = other.text
            return True
        return False


class Failing(Command):
    text = "Fail"

    def do(self) -> None:
        raise ValueError("cannot")

    def undo(self) -> None:
        raise AssertionError("never done, never undone")


def test_push_undo_redo_and_texts() -> None:
    box = {"v": 0}
    stack = UndoStack()
    assert not stack.can_undo and not stack.can_redo and stack.undo_text == ""
    stack.push(SetValue(box, 1))
    stack.push(SetValue(box, 2))
    assert box["v"] == 2 and stack.undo_text == "Set 2"
    stack.undo()
    assert box["v"] == 1 and stack.can_redo and stack.redo_text == "Set 2"
    stack.undo()
    assert box["v"] == 0 and not stack.can_undo
    stack.undo()  # no-op
    stack.redo()
    stack.redo()
    assert box["v"] == 2 and not stack.can_redo
    assert stack.texts() == ["Set 1", "Set 2"]


def test_push_after_undo_drops_redo_tail() -> None:
    box = {"v": 0}
    stack = UndoStack()
    stack.push(SetValue(box, 1))
    stack.push(SetValue(box, 2))
    stack.undo()
    stack.push(SetValue(box, 5))
    assert not stack.can_redo and len(stack) == 2 and box["v"] == 5
    stack.undo()
    assert box["v"] == 1


def test_failing_do_leaves_stack_unchanged() -> None:
    box = {"v": 0}
    stack = UndoStack()
    stack.push(SetValue(box, 1))
    stack.undo()  # a redo tail exists; a failing push must not drop it
    changes: list[None] = []
    stack.changed.connect(lambda: changes.append(None))
    with pytest.raises(ValueError, match="cannot"):
        stack.push(Failing())
    assert len(stack) == 1 and stack.index == 0 and stack.can_redo and changes == []


def test_clean_state_and_events() -> None:
    box = {"v": 0}
    stack = UndoStack()
    clean_events: list[bool] = []
    stack.clean_changed.connect(clean_events.append)
    assert stack.is_clean
    stack.push(SetValue(box, 1))
    assert not stack.is_clean
    stack.set_clean()
    assert stack.is_clean
    stack.push(SetValue(box, 2))
    stack.undo()
    assert stack.is_clean  # back at the saved state
    stack.undo()
    assert not stack.is_clean
    assert clean_events == [False, True, False, True, False]


def test_clean_state_lost_when_its_tail_is_dropped() -> None:
    box = {"v": 0}
    stack = UndoStack()
    stack.push(SetValue(box, 1))
    stack.set_clean()
    stack.undo()
    stack.push(SetValue(box, 9))  # the saved state (v=1) is now unreachable
    assert stack.clean_index is None
    stack.undo()
    assert not stack.is_clean


def test_limit_drops_oldest_and_shifts_clean_index() -> None:
    box = {"v": 0}
    stack = UndoStack(limit=2)
    stack.push(SetValue(box, 1))
    stack.set_clean()
    stack.push(SetValue(box, 2))
    stack.push(SetValue(box, 3))
    assert len(stack) == 2 and stack.texts() == ["Set 2", "Set 3"]
    assert stack.clean_index == 0  # state after "Set 1" is still the bottom of the stack
    stack.undo()
    stack.undo()
    assert box["v"] == 1 and stack.is_clean and not stack.can_undo
    stack.redo()
    stack.redo()
    stack.push(SetValue(box, 4))  # now the saved state falls off
    assert stack.clean_index is None


def test_slider_drag_merges_into_one_step() -> None:
    box = {"v": 0}
    stack = UndoStack()
    for value in (1, 2, 3, 4):
        stack.push(SetValue(box, value, slider=True))
    assert len(stack) == 1 and box["v"] == 4 and stack.undo_text == "Set 4"
    stack.undo()
    assert box["v"] == 0
    stack.redo()
    assert box["v"] == 4


def test_merge_stops_after_end_merge_undo_and_clean_mark() -> None:
    box = {"v": 0}
    stack = UndoStack()
    stack.push(SetValue(box, 1, slider=True))
    stack.end_merge()  # slider released
    stack.push(SetValue(box, 2, slider=True))
    assert len(stack) == 2
    stack.set_clean()
    stack.push(SetValue(box, 3, slider=True))
    assert len(stack) == 3  # never merge into the saved state
    stack.undo()
    assert stack.is_clean


def test_failing_undo_does_not_move() -> None:
    state = {"armed": False}

    def undo() -> None:
        if state["armed"]:
            raise RuntimeError("undo failed")

    stack = UndoStack()
    stack.push(FunctionCommand("Thing", lambda: None, undo))
    state["armed"] = True
    with pytest.raises(RuntimeError):
        stack.undo()
    assert stack.index == 1 and stack.can_undo


def test_command_group_is_all_or_nothing() -> None:
    box = {"v": 0}
    other = {"v": 10}
    stack = UndoStack()
    with pytest.raises(ValueError):
        stack.push(CommandGroup("Both", [SetValue(box, 1), Failing()]))
    assert box["v"] == 0 and len(stack) == 0
    stack.push(CommandGroup("Both", [SetValue(box, 1), SetValue(other, 11)]))
    assert (box["v"], other["v"]) == (1, 11)
    stack.undo()
    assert (box["v"], other["v"]) == (0, 10)


def test_clear_resets_to_clean_empty() -> None:
    box = {"v": 0}
    stack = UndoStack()
    stack.push(SetValue(box, 1))
    stack.clear()
    assert len(stack) == 0 and stack.is_clean and not stack.can_undo


def test_negative_limit_rejected() -> None:
    with pytest.raises(ValueError):
        UndoStack(limit=-1)
