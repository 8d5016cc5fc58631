"""Write a file so that a crash, a full disk or a kill mid-write leaves the previous version intact.

How: write to a temporary file in the same folder (same file system, so the final rename is atomic), flush
and fsync it, then ``os.replace`` it over the target. Readers see the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any

_DEFAULT_MODE = 0o644


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders, and it is best effort anyway.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | Path, write: Any, *, encoding: str = "utf-8", binary: bool = False) -> Path:
    """Create or replace ``path`` with what ``write(handle)`` writes to a text handle; returns the path.

    If ``write`` (or anything else) raises, the temporary file is removed, ``path`` is untouched and the
    exception propagates. The new file keeps the permissions of the file it replaces (0644 when new).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = _DEFAULT_MODE
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        handle: IO[Any]
        opened = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="\n")
        with opened as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(path.parent)
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Atomically replace ``path`` with ``text``."""
    return write_atomic(path, lambda handle: handle.write(text))


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Atomically replace ``path`` with ``data`` as JSON: indented, sorted keys, trailing newline."""

    def dump(handle: IO[str]) -> None:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")

    return write_atomic(path, dump)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Atomically replace ``path`` with ``data``."""
    return write_atomic(path, lambda handle: handle.write(data), binary=True)
