"""Autosaver and crash recovery, with an explicit clock (the window's QTimer is not needed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from studio.core.autosave import Autosaver, discard, find_recoverable, recover
from studio.core.project import ModelRef, Project
from studio.core.project_io import load_project, save_project
from studio.core.settings import config_dir


def test_autosave_only_when_dirty_changed_and_due(tmp_path: Path) -> None:
    project = Project(name="p")
    saver = Autosaver(project, interval_s=60)
    assert saver.path.parent == config_dir() / "autosave"
    assert saver.autosave(now=0) is None  # clean
    project.notes = "a"
    assert saver.autosave(now=0) == saver.path and saver.path.exists()
    project.notes = "b"
    assert saver.autosave(now=30) is None  # not due yet
    assert saver.autosave(now=61) == saver.path
    assert load_project(saver.path).notes == "b"
    first = saver.path.stat().st_mtime_ns
    assert saver.autosave(now=200) is None  # nothing changed since the copy
    assert saver.path.stat().st_mtime_ns == first


def test_autosave_never_touches_the_users_file(tmp_path: Path) -> None:
    user_file = tmp_path / "mine.tmlproj"
    project = Project(name="p", model=ModelRef(str(tmp_path / "net.onnx")))
    save_project(project, user_file)
    before = user_file.read_bytes()
    project.notes = "unsaved"
    saver = Autosaver(project, interval_s=1)
    saver.autosave(now=10)
    assert user_file.read_bytes() == before
    assert saver.path != user_file and saver.path.exists()


def test_clean_save_and_close_remove_the_copy(tmp_path: Path) -> None:
    project = Project()
    saver = Autosaver(project, interval_s=1)
    project.notes = "x"
    saver.autosave(now=0)
    assert saver.path.exists()
    save_project(project, tmp_path / "p.tmlproj")
    assert not saver.path.exists()
    project.notes = "y"
    saver.autosave(now=5)
    assert saver.path.exists()
    saver.close()
    assert not saver.path.exists()
    project.notes = "z"
    project.mark_clean()  # no longer followed: nothing to do, nothing raised


def test_interval_zero_disables(tmp_path: Path) -> None:
    project = Project()
    project.notes = "x"
    assert Autosaver(project, interval_s=0).autosave(now=100) is None


def test_find_recover_and_discard_after_a_crash(tmp_path: Path) -> None:
    user_file = tmp_path / "mine.tmlproj"
    project = Project(name="crashy", model=ModelRef(str(tmp_path / "net.onnx")))
    save_project(project, user_file)
    old = time.time() - 100
    os.utime(user_file, (old, old))  # the user's file predates the autosave
    project.notes = "work not saved"
    Autosaver(project, interval_s=1).autosave(now=0)
    # ... the studio crashes here: no close(), no save ...
    items = find_recoverable()
    assert [item.name for item in items] == ["crashy"]
    item = items[0]
    assert item.original_path == user_file and "crashy" in item.label
    recovered = recover(item)
    assert recovered.notes == "work not saved" and recovered.dirty and recovered.path == user_file
    assert recovered.model == ModelRef(str(tmp_path / "net.onnx"))
    discard(item)
    assert find_recoverable() == []


def test_stale_and_unreadable_copies_are_not_offered(tmp_path: Path) -> None:
    user_file = tmp_path / "mine.tmlproj"
    project = Project(name="p")
    save_project(project, user_file)
    project.notes = "x"
    saver = Autosaver(project, interval_s=1)
    saver.autosave(now=0)
    newer = time.time() + 100
    os.utime(user_file, (newer, newer))  # saved (by another studio) after the copy
    (saver.path.parent / "junk.tmlproj").write_text("{broken")
    assert find_recoverable() == []


def test_never_saved_project_is_recoverable() -> None:
    project = Project(name="fresh")
    project.notes = "x"
    Autosaver(project, interval_s=1).autosave(now=0)
    (item,) = find_recoverable()
    assert item.original_path is None and "never saved" in item.label
    assert recover(item).path is None
