"""RecentFiles: order, limit, persistence, vanished files, corrupt list file."""

from __future__ import annotations

from pathlib import Path

from studio.core.recent_files import RecentFiles


def _touch(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("x")
    return path


def test_most_recent_first_without_duplicates_and_limited(tmp_path: Path) -> None:
    files = [_touch(tmp_path, f"m{i}.onnx") for i in range(4)]
    recent = RecentFiles(tmp_path / "cfg", limit=3)
    for path in files:
        recent.add(path)
    recent.add(files[2])
    assert recent.list() == [files[2], files[3], files[1]]


def test_persisted_across_instances_and_remove(tmp_path: Path) -> None:
    a, b = _touch(tmp_path, "a.onnx"), _touch(tmp_path, "b.onnx")
    RecentFiles(tmp_path / "cfg").add(a)
    RecentFiles(tmp_path / "cfg").add(b)
    recent = RecentFiles(tmp_path / "cfg")
    assert recent.list() == [b, a]
    assert recent.remove(a) is True and recent.remove(a) is False
    assert RecentFiles(tmp_path / "cfg").list() == [b]
    recent.clear()
    assert recent.list() == []


def test_vanished_files_are_dropped_from_the_stored_list(tmp_path: Path) -> None:
    a, b = _touch(tmp_path, "a.onnx"), _touch(tmp_path, "b.onnx")
    recent = RecentFiles(tmp_path / "cfg")
    recent.add(a)
    recent.add(b)
    b.unlink()
    assert recent.list() == [a]
    assert str(b) not in recent.file.read_text()


def test_corrupt_list_file_counts_as_empty(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "recent_files.json").write_text("{oops")
    recent = RecentFiles(cfg)
    assert recent.list() == []
    a = _touch(tmp_path, "a.onnx")
    recent.add(a)
    assert recent.list() == [a]
