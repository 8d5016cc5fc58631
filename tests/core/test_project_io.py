"""save_project/load_project: atomic writes, stable JSON, relative model paths, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from studio.core import project_io
from studio.core.errors import ProjectError
from studio.core.project import ModelRef, Project
from studio.core.project_io import load_project, save_project


def _project(tmp_path: Path) -> Project:
    project = Project(name="demo", model=ModelRef(str(tmp_path / "net.onnx"), "onnx"))
    project.notes = "edited"
    return project


def test_save_then_load_round_trip(tmp_path: Path) -> None:
    project = _project(tmp_path)
    written = save_project(project, tmp_path / "my")
    assert written == tmp_path / "my.tmlproj" and project.path == written and not project.dirty
    text = written.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == sorted(data) and data["model"]["path"] == "net.onnx"
    loaded = load_project(written)
    assert loaded.to_dict() == project.to_dict() and loaded.path == written and not loaded.dirty


def test_moving_the_project_folder_keeps_the_model(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    project = Project(model=ModelRef(str(folder / "net.onnx")))
    save_project(project, folder / "p.tmlproj")
    moved = tmp_path / "b"
    os.rename(folder, moved)
    assert load_project(moved / "p.tmlproj").model == ModelRef(str(moved / "net.onnx"))


def test_save_without_path_uses_project_path(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with pytest.raises(ProjectError, match="choose where"):
        save_project(project)
    save_project(project, tmp_path / "p.tmlproj")
    project.notes = "more"
    save_project(project)
    assert load_project(tmp_path / "p.tmlproj").notes == "more"


@pytest.mark.parametrize("broken", ["json.dump", "os.replace"])
def test_crash_mid_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    target = tmp_path / "p.tmlproj"
    project = _project(tmp_path)
    save_project(project, target)
    before = target.read_bytes()
    project.notes = "new text that must not half-land"

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power cut")

    module, name = broken.split(".")
    monkeypatch.setattr({"json": json, "os": os}[module], name, crash)
    with pytest.raises(RuntimeError, match="power cut"):
        save_project(project, target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.tmlproj"]  # no temp file left behind
    assert project.dirty  # the save did not happen


def test_unwritable_folder_is_a_project_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ProjectError, match="could not save"):
        save_project(_project(tmp_path), blocker / "p.tmlproj")


def test_saved_file_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "p.tmlproj"
    save_project(_project(tmp_path), target)
    os.chmod(target, 0o600)
    save_project(_project(tmp_path), target)
    assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "corrupt"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        ('["a", "list"]', "not a TinyML Studio project"),
        ('{"format_version": 3}', "newer TinyML Studio"),
    ],
)
def test_load_errors_are_one_line(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "bad.tmlproj"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ProjectError, match=message) as info:
        load_project(path)
    assert "\n" not in str(info.value)


def test_loading_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="folder"):
        load_project(tmp_path)


def test_reexports_for_one_import_place() -> None:
    from studio.core.autosave import Autosaver
    from studio.core.recent_files import RecentFiles

    assert project_io.Autosaver is Autosaver and project_io.RecentFiles is RecentFiles
    with pytest.raises(AttributeError):
        _ = project_io.NoSuchThing
