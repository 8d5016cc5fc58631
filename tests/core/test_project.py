"""Project: evented fields, dirty flag, undoable edits, dict round trip, migrations and version checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.commands import UndoStack
from studio.core.errors import ProjectError
from studio.core.project import (
    FORMAT_VERSION,
    MIGRATIONS,
    ModelRef,
    Project,
    SetProjectFieldCommand,
    follow_undo_stack,
    migrate,
)


def test_setting_a_field_emits_changed_and_marks_dirty() -> None:
    project = Project(name="A")
    changed: list[str] = []
    dirty: list[bool] = []
    project.changed.connect(changed.append)
    project.dirty_changed.connect(dirty.append)
    before = project.revision
    project.name = "B"
    project.notes = "hello"
    assert project.name == "B" and project.notes == "hello"
    assert changed == ["name", "notes"] and dirty == [True] and project.dirty
    assert project.revision == before + 2
    assert project.display_name == "B*"
    project.name = "B"  # same value: nothing happens
    assert changed == ["name", "notes"]


def test_ui_state_is_saved_but_not_an_edit() -> None:
    project = Project()
    project.ui_state = {"selected_node": "conv1", "open_panels": ["layers"]}
    assert project.ui_state["selected_node"] == "conv1"
    assert not project.dirty


def test_returned_lists_are_copies() -> None:
    project = Project(steps=[{"kind": "prune", "sparsity": 0.5}])
    steps = project.steps
    steps.append({"kind": "quantize"})
    assert len(project.steps) == 1 and not project.dirty


def test_wrong_type_and_unknown_field_are_refused() -> None:
    project = Project()
    with pytest.raises(ProjectError, match="'steps' must be list"):
        project.steps = "prune"  # type: ignore[assignment]
    with pytest.raises(ProjectError, match="list of objects"):
        project.steps = [1, 2]  # type: ignore[list-item]
    with pytest.raises(ProjectError, match="only JSON values"):
        project.ui_state = {"selected": object()}
    with pytest.raises(ProjectError, match="unknown project field"):
        project.set("colour", "red")
    with pytest.raises(ProjectError, match="'id'"):
        Project(project_id="../../etc/passwd")


def test_set_field_command_undo_redo_and_merge() -> None:
    project = Project(notes="")
    stack = UndoStack()
    stack.push(SetProjectFieldCommand(project, "dataset", "my.npz"))
    assert project.dataset == "my.npz" and stack.undo_text == "Set dataset"
    for text in ("h", "he", "hey"):
        stack.push(SetProjectFieldCommand(project, "notes", text, mergeable=True))
    assert len(stack) == 2 and project.notes == "hey"
    stack.undo()
    assert project.notes == ""
    stack.undo()
    assert project.dataset == "digits"
    stack.redo()
    stack.redo()
    assert (project.dataset, project.notes) == ("my.npz", "hey")


def test_set_field_command_with_bad_value_fails_before_the_stack() -> None:
    project = Project()
    with pytest.raises(ProjectError):
        SetProjectFieldCommand(project, "name", 3)


def test_follow_undo_stack_clears_dirty_when_back_at_saved_state() -> None:
    project = Project(name="A")
    stack = UndoStack()
    follow_undo_stack(project, stack)
    stack.push(SetProjectFieldCommand(project, "name", "B"))
    assert project.dirty
    stack.undo()
    assert not project.dirty and project.name == "A"


def test_model_ref_paths_relative_inside_project_folder(tmp_path: Path) -> None:
    inside = ModelRef(str(tmp_path / "models" / "net.onnx"), "onnx", {"input_shape": (1, 1, 8, 8)})
    outside = ModelRef("/elsewhere/net.pt", None, {"arch": "tiny_cnn"})
    assert inside.to_dict(tmp_path) == {
        "path": "models/net.onnx",
        "format": "onnx",
        "options": {"input_shape": [1, 1, 8, 8]},
    }
    assert outside.to_dict(tmp_path)["path"] == "/elsewhere/net.pt"
    back = ModelRef.from_dict(inside.to_dict(tmp_path), tmp_path)
    assert back == inside and back.options["input_shape"] == (1, 1, 8, 8)
    assert ModelRef("demo").to_dict(tmp_path)["path"] == "demo"
    assert ModelRef.from_dict({"path": "demo"}, tmp_path).is_demo


def test_dict_round_trip(tmp_path: Path) -> None:
    project = Project(
        name="Digits CNN",
        model=ModelRef(str(tmp_path / "m.pt"), "state_dict", {"arch": "tiny_cnn"}),
        dataset="digits",
        steps=[{"kind": "prune", "layer": "conv1", "sparsity": 0.5}],
        notes="first try",
        ui_state={"selected_node": "conv1"},
    )
    data = project.to_dict(tmp_path)
    assert data["format_version"] == FORMAT_VERSION and data["model"]["path"] == "m.pt"
    assert data["created"].endswith("Z")
    again = Project.from_dict(data, tmp_path)
    assert again.to_dict(tmp_path) == data
    assert again.id == project.id and again.model == project.model and not again.dirty


def test_v0_file_is_migrated() -> None:
    old = {"name": "legacy", "model_path": "/models/net.onnx", "arch": None, "input_shape": [1, 3, 32, 32]}
    assert 0 in MIGRATIONS
    project = Project.from_dict(old)
    assert project.name == "legacy"
    assert project.model == ModelRef("/models/net.onnx", None, {"input_shape": (1, 3, 32, 32)})
    assert migrate(old)["format_version"] == FORMAT_VERSION
    assert "model_path" in old  # the input is not modified


def test_newer_format_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_dict({"kind": "tinyml-studio-project", "format_version": 3})
    assert str(info.value) == (f"made by a newer TinyML Studio (format 3); this one reads up to {FORMAT_VERSION}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a JSON object"),
        ({"hello": "world"}, "no 'format_version'"),
        ({"format_version": "one"}, "bad 'format_version'"),
        ({"format_version": 1, "kind": "something-else"}, "kind"),
        ({"format_version": 1, "model": {"path": ""}}, "non-empty 'path'"),
        ({"format_version": 1, "created": "yesterday"}, "ISO 8601"),
        ({"format_version": 1, "name": 5}, "'name' must be str"),
    ],
)
def test_bad_project_dicts_raise_project_error(data: object, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        Project.from_dict(data)


def test_unknown_keys_are_ignored() -> None:
    project = Project.from_dict({"format_version": 1, "name": "x", "added_in_1_1": True})
    assert project.name == "x"
