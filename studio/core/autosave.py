"""Crash recovery: periodic copies of an unsaved project, kept apart from the user's own file.

The :class:`Autosaver` has no timer: the window calls :meth:`Autosaver.autosave` from a ``QTimer`` (and
tests call it with an explicit ``now``). Copies go to ``config_dir()/autosave/<project-id>.tmlproj``, never
over the user's file: the user decides when their file changes. A clean save or a normal close removes the
copy, so a copy still there at the next start means the studio did not exit cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from studio.core.atomic_write import write_json_atomic
from studio.core.errors import ProjectError
from studio.core.project import Project
from studio.core.project_io import PROJECT_SUFFIX, read_project_json
from studio.core.settings import config_dir

logger = logging.getLogger(__name__)

AUTOSAVE_FOLDER = "autosave"
# Extra key in an autosave copy: where the user's own file is (null for a never-saved project).
AUTOSAVE_OF_KEY = "autosave_of"


def autosave_folder(base: Path | None = None) -> Path:
    """Folder holding autosave copies (``<config dir>/autosave``); not created here."""
    return (base if base is not None else config_dir()) / AUTOSAVE_FOLDER


class Autosaver:
    """Writes ``project`` to its autosave file when it is dirty and has changed since the last copy.

    ``interval_s`` is the minimum time between two copies (0 disables autosave). The copy is removed when the
    project becomes clean (it was saved) and by :meth:`close`.
    """

    def __init__(self, project: Project, interval_s: float = 60, *, base_dir: Path | None = None) -> None:
        self.project = project
        self.interval_s = interval_s
        self.path = autosave_folder(base_dir) / f"{project.id}{PROJECT_SUFFIX}"
        self._last_time: float | None = None
        self._last_revision: int | None = None
        project.dirty_changed.connect(self._on_dirty_changed)

    def autosave(self, now: float | None = None) -> Path | None:
        """Write a copy if due; returns its path, or ``None`` when nothing was written.

        Nothing is written when autosave is off, the project is clean, nothing changed since the last copy,
        or the last copy is younger than ``interval_s``. A failure to write is logged, never raised: losing
        an autosave must not interrupt the user's work.
        """
        now = time.monotonic() if now is None else now
        if self.interval_s <= 0 or not self.project.dirty:
            return None
        if self._last_revision == self.project.revision:
            return None
        if self._last_time is not None and now - self._last_time < self.interval_s:
            return None
        data = self.project.to_dict(base_dir=None)  # absolute model paths: the copy lives elsewhere
        data[AUTOSAVE_OF_KEY] = str(self.project.path) if self.project.path else None
        try:
            write_json_atomic(self.path, data)
        except OSError as exc:
            logger.warning("autosave to %s failed: %s", self.path, exc)
            return None
        self._last_time = now
        self._last_revision = self.project.revision
        return self.path

    def clear(self) -> None:
        """Remove the autosave copy (after a clean save, or when the project is closed normally)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._last_revision = None

    def close(self) -> None:
        """Stop following the project and remove its copy (the user closed it, saved or not)."""
        self.project.dirty_changed.disconnect(self._on_dirty_changed)
        self.clear()

    def _on_dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self.clear()


@dataclass(frozen=True)
class RecoverableProject:
    """An autosave copy left by a studio that did not exit cleanly, newer than the user's file."""

    autosave_path: Path
    original_path: Path | None
    name: str
    saved_at: datetime

    @property
    def label(self) -> str:
        """One line for the "Recover unsaved work?" dialog."""
        where = str(self.original_path) if self.original_path else "never saved"
        return f"{self.name} ({where}), autosaved {self.saved_at.astimezone():%Y-%m-%d %H:%M}"


def find_recoverable(base_dir: Path | None = None) -> list[RecoverableProject]:
    """Autosave copies worth offering to recover, newest first.

    A copy is skipped when the user's file was saved after it (the copy is stale) or when it cannot be read.
    """
    folder = autosave_folder(base_dir)
    found: list[RecoverableProject] = []
    if not folder.is_dir():
        return found
    for copy_path in folder.glob(f"*{PROJECT_SUFFIX}"):
        try:
            data = read_project_json(copy_path)
            copy_mtime = copy_path.stat().st_mtime
        except (ProjectError, OSError) as exc:
            logger.warning("ignoring unreadable autosave %s: %s", copy_path, exc)
            continue
        if not isinstance(data, dict):
            continue
        original = data.get(AUTOSAVE_OF_KEY)
        original_path = Path(original) if isinstance(original, str) and original else None
        if original_path is not None:
            try:
                if original_path.stat().st_mtime >= copy_mtime:
                    continue
            except OSError:
                pass  # the user's file is gone: the copy is all that is left, offer it
        name = data.get("name") if isinstance(data.get("name"), str) else copy_path.stem
        found.append(RecoverableProject(copy_path, original_path, name, datetime.fromtimestamp(copy_mtime, UTC)))
    found.sort(key=lambda item: item.saved_at, reverse=True)
    return found


def recover(item: RecoverableProject) -> Project:
    """Open an autosave copy as a dirty project whose ``path`` is the user's file (Save writes there).

    Raises :class:`ProjectError` if the copy cannot be read. The copy itself is kept until the project is
    saved or :func:`discard` is called.
    """
    data = read_project_json(item.autosave_path)
    try:
        project = Project.from_dict(data, base_dir=None)
    except ProjectError as exc:
        raise ProjectError(f"autosave {item.autosave_path.name}: {exc}") from None
    project.path = item.original_path
    project.mark_dirty()
    return project


def discard(item: RecoverableProject) -> None:
    """Delete an autosave copy the user chose not to recover."""
    with contextlib.suppress(FileNotFoundError):
        item.autosave_path.unlink()
