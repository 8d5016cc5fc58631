"""The "recent files" list: most recent first, persisted as JSON in the config folder.

Why its own file and not QSettings: the CLI and tests use it without Qt, and it is one readable file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from studio.core.atomic_write import write_json_atomic

logger = logging.getLogger(__name__)

RECENT_FILES_NAME = "recent_files.json"
_FORMAT_VERSION = 1


class RecentFiles:
    """Up to ``limit`` absolute paths, most recent first; entries whose file vanished are dropped.

    A missing or corrupt list file is treated as empty (and rewritten on the next change): losing the
    recent list is never worth an error.
    """

    def __init__(self, config_dir: str | Path, limit: int = 10) -> None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        self.file = Path(config_dir) / RECENT_FILES_NAME
        self.limit = limit

    def list(self) -> list[Path]:
        """Existing files, most recent first (vanished ones are removed from the stored list too)."""
        stored = self._read()
        alive = [path for path in stored if path.exists()][: self.limit]
        if alive != stored:
            self._write(alive)
        return alive

    def add(self, path: str | Path) -> None:
        """Put ``path`` first (moving it if already listed) and trim to ``limit``."""
        path = Path(path).expanduser().absolute()
        entries = [path] + [p for p in self._read() if p != path]
        self._write(entries[: self.limit])

    def remove(self, path: str | Path) -> bool:
        """Forget ``path``; returns whether it was listed."""
        path = Path(path).expanduser().absolute()
        entries = self._read()
        if path not in entries:
            return False
        self._write([p for p in entries if p != path])
        return True

    def clear(self) -> None:
        """Forget every entry."""
        self._write([])

    def _read(self) -> list[Path]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable recent files list %s: %s", self.file, exc)
            return []
        paths = data.get("paths") if isinstance(data, dict) else None
        if not isinstance(paths, list):
            return []
        return [Path(p) for p in paths if isinstance(p, str) and p]

    def _write(self, paths: list[Path]) -> None:
        try:
            write_json_atomic(self.file, {"version": _FORMAT_VERSION, "paths": [str(p) for p in paths]})
        except OSError as exc:
            logger.warning("could not save recent files list %s: %s", self.file, exc)
