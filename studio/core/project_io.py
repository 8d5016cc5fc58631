"""Saving and opening ``.tmlproj`` project files.

Saving is atomic (:mod:`studio.core.atomic_write`), so a crash while saving never costs the user the
previous version. Opening turns every way a file can be wrong into one :class:`ProjectError` line.

``Autosaver``/``find_recoverable``/``discard`` (crash recovery) and ``RecentFiles`` live in their own
modules and are re-exported here, so callers have one place to import project file handling from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.core.atomic_write import write_json_atomic
from studio.core.errors import ProjectError
from studio.core.project import Project

PROJECT_SUFFIX = ".tmlproj"


def with_project_suffix(path: str | Path) -> Path:
    """``path`` ending in ``.tmlproj`` (appended when a save dialog returned a bare name)."""
    path = Path(path).expanduser()
    return path if path.suffix.lower() == PROJECT_SUFFIX else path.with_name(path.name + PROJECT_SUFFIX)


def save_project(project: Project, path: str | Path | None = None) -> Path:
    """Write ``project`` to ``path`` (default: ``project.path``) atomically; returns the path written.

    Model paths inside the project folder are stored relative to it. On success ``project.path`` is set
    and the project is marked clean. Raises :class:`ProjectError` when the file cannot be written (the old
    file, if any, is intact).
    """
    if path is None:
        if project.path is None:
            raise ProjectError("the project has no file yet: choose where to save it")
        path = project.path
    target = with_project_suffix(path).absolute()
    try:
        write_json_atomic(target, project.to_dict(base_dir=target.parent))
    except OSError as exc:
        raise ProjectError(f"could not save the project to {target}: {exc.strerror or exc}") from None
    project.path = target
    project.mark_clean()
    return target


def read_project_json(path: str | Path) -> Any:
    """The decoded JSON of a project file; :class:`ProjectError` if missing, unreadable or not JSON."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"project file not found: {path}") from None
    except IsADirectoryError:
        raise ProjectError(f"{path} is a folder, not a project file") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path.name} is not a project file (not UTF-8 text)") from None
    except OSError as exc:
        raise ProjectError(f"could not read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path.name} is corrupt (invalid JSON at line {exc.lineno}: {exc.msg})") from None


def load_project(path: str | Path) -> Project:
    """Open a project file (migrating older formats); the returned project is clean and has ``path`` set.

    Raises :class:`ProjectError` with a one-line message naming the file for a missing or corrupt file,
    JSON that is not a project, or a file written by a newer studio.
    """
    path = Path(path).expanduser().absolute()
    data = read_project_json(path)
    try:
        project = Project.from_dict(data, base_dir=path.parent)
    except ProjectError as exc:
        raise ProjectError(f"{path.name}: {exc}") from None
    project.path = path
    project.mark_clean()
    return project


def __getattr__(name: str) -> Any:
    # Lazy re-exports: autosave and recent_files import this module, so importing them at the top would cycle.
    if name in ("Autosaver", "RecoverableProject", "find_recoverable", "discard", "recover"):
        from studio.core import autosave

        return getattr(autosave, name)
    if name == "RecentFiles":
        from studio.core.recent_files import RecentFiles

        return RecentFiles
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
