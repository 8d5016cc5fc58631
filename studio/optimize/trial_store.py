"""Trials, curves and job history of searches and distillations, in SQLite beside the project.

Why SQLite (standard library): a worker process writes each finished trial the moment it finishes, in its own
transaction, so a crash or a restart loses no finished trial; the window reads the same file to draw the
trial table and the curves, and reopens them as they were. WAL mode lets the window read while a worker
writes. Where the file lives: ``<project>.trials.sqlite`` beside a saved project, otherwise
``<config dir>/trials/<project id>.trials.sqlite`` (:func:`store_path_for`; :func:`adopt_unsaved_store` copies
the second to the first when the project is saved). Each run records which process runs it (``owner``), so a
window can tell a run still going in some worker from one whose worker died (:func:`run_is_live`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError

SCHEMA_VERSION = 2  # 2: runs.owner

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS trials (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    key TEXT NOT NULL,
    arch TEXT NOT NULL,
    accuracy REAL NOT NULL,
    macs INTEGER,
    params INTEGER,
    flash_bytes INTEGER,
    peak_sram_bytes INTEGER,
    latency_ms REAL,
    board_latency TEXT,
    generation INTEGER,
    origin TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS curves (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    series TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, series, step)
);
"""

TRIAL_COLUMNS = (
    "run_id",
    "idx",
    "key",
    "arch",
    "accuracy",
    "macs",
    "params",
    "flash_bytes",
    "peak_sram_bytes",
    "latency_ms",
    "board_latency",
    "generation",
    "origin",
    "created",
)


class TrialStoreError(StudioError):
    """The trial database cannot be opened or is from a newer studio."""


@dataclass(frozen=True)
class RunRecord:
    """One job's history entry: what ran (kind, title, params), how it ended, and its result summary."""

    id: int
    kind: str
    title: str
    state: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created: float
    updated: float
    owner: str | None = None  # "host:pid" of the process that last marked it running


class TrialStore:
    """A connection to one trial database; use one per process (and per thread)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._db:
                self._db.executescript(_SCHEMA)
                row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is None:
                    self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise TrialStoreError(f"{self.path.name} was written by a newer studio (schema {row[0]})")
                elif int(row[0]) < SCHEMA_VERSION:
                    _migrate(self._db, int(row[0]))
        except sqlite3.DatabaseError as exc:
            raise TrialStoreError(f"cannot open trial database {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TrialStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------- runs
    def create_run(self, kind: str, title: str, params: dict[str, Any] | None = None, state: str = "queued") -> int:
        """A new history entry; returns its id."""
        now = time.time()
        with self._db:
            cur = self._db.execute(
                "INSERT INTO runs (kind, title, state, params, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, title, state, json.dumps(params or {}, default=str), now, now),
            )
        return int(cur.lastrowid)

    def set_run_state(
        self, run_id: int, state: str, result: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        """Record how a run stands (running, paused, succeeded, failed, cancelled) and, at the end, its result.

        Marking it running also records this process as its owner (see :func:`run_is_live`).
        """
        owner = this_process() if state == "running" else None
        with self._db:
            self._db.execute(
                "UPDATE runs SET state=?, result=COALESCE(?, result), error=?, updated=?, owner=COALESCE(?, owner) "
                "WHERE id=?",
                (state, None if result is None else json.dumps(result, default=str), error, time.time(), owner, run_id),
            )

    def run(self, run_id: int) -> RunRecord:
        """The run with ``run_id``; raises KeyError if there is none."""
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return _run_record(row)

    def runs(self, kind: str | None = None) -> list[RunRecord]:
        """Every run (of ``kind``), oldest first."""
        if kind is None:
            rows = self._db.execute("SELECT * FROM runs ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM runs WHERE kind=? ORDER BY id", (kind,)).fetchall()
        return [_run_record(r) for r in rows]

    def delete_run(self, run_id: int) -> None:
        with self._db:
            self._db.execute("DELETE FROM runs WHERE id=?", (run_id,))

    # ----------------------------------------------------------------------------------------- trials
    def add_trial(self, run_id: int, trial: dict[str, Any]) -> None:
        """Keep one finished trial (``Trial.to_dict()`` plus optional ``board_latency``); committed at once."""
        row = (
            run_id,
            int(trial["index"]),
            str(trial["key"]),
            json.dumps(trial["arch"]),
            float(trial["accuracy"]),
            trial.get("macs"),
            trial.get("params"),
            trial.get("flash_bytes"),
            trial.get("peak_sram_bytes"),
            trial.get("latency_ms"),
            json.dumps(trial.get("board_latency") or {}),
            trial.get("generation"),
            trial.get("origin"),
            time.time(),
        )
        with self._db:
            self._db.execute(f"INSERT OR REPLACE INTO trials VALUES ({', '.join('?' * len(row))})", row)

    def trials(self, run_id: int | None = None, after: int = -1) -> list[dict[str, Any]]:
        """Trials (of one run, with index above ``after``) as dicts, in run and index order."""
        if run_id is None:
            rows = self._db.execute("SELECT * FROM trials ORDER BY run_id, idx").fetchall()
        else:
            rows = self._db.execute(
                "SELECT * FROM trials WHERE run_id=? AND idx>? ORDER BY idx", (run_id, after)
            ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["index"] = d.pop("idx")
            d["arch"] = json.loads(d["arch"])
            d["board_latency"] = json.loads(d["board_latency"] or "{}")
            out.append(d)
        return out

    def trial_count(self, run_id: int) -> int:
        """How many trials ``run_id`` has finished."""
        return int(self._db.execute("SELECT COUNT(*) FROM trials WHERE run_id=?", (run_id,)).fetchone()[0])

    # ----------------------------------------------------------------------------------------- curves
    def add_point(self, run_id: int, series: str, step: int, value: float) -> None:
        """One point of a curve (``series`` like ``"kd/seed0/val_accuracy"``); committed at once."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO curves VALUES (?, ?, ?, ?)", (run_id, series, int(step), float(value))
            )

    def curves(self, run_id: int) -> dict[str, list[tuple[int, float]]]:
        """Every curve of a run: series -> [(step, value)] by step."""
        out: dict[str, list[tuple[int, float]]] = {}
        rows = self._db.execute(
            "SELECT series, step, value FROM curves WHERE run_id=? ORDER BY series, step", (run_id,)
        ).fetchall()
        for series, step, value in rows:
            out.setdefault(series, []).append((int(step), float(value)))
        return out


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring an older database up to :data:`SCHEMA_VERSION` (additive changes only)."""
    if version < 2:
        db.execute("ALTER TABLE runs ADD COLUMN owner TEXT")
    db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))


def this_process() -> str:
    """``host:pid`` of the calling process (what a run's ``owner`` records)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def run_is_live(run: RunRecord) -> bool:
    """Whether some process may still be running ``run``: it is marked running (or queued) and its owner is
    alive. A run whose worker crashed, or that was running when the window closed, is not live (it can be
    resumed); a run owned by another host counts as live (its process cannot be checked from here)."""
    if run.state not in ("running", "queued"):
        return False
    if not run.owner:
        return False  # queued and never started (the window closed first), or written by an older studio
    host, _, pid = run.owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return _pid_alive(int(pid))


def is_resumable(run: RunRecord) -> bool:
    """A run that did not finish (interrupted, paused, failed or cancelled) and that no process runs now."""
    return run.state != "succeeded" and not run_is_live(run)


def _run_record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=int(row["id"]),
        kind=row["kind"],
        title=row["title"],
        state=row["state"],
        params=json.loads(row["params"] or "{}"),
        result=None if row["result"] is None else json.loads(row["result"]),
        error=row["error"],
        created=float(row["created"]),
        updated=float(row["updated"]),
        owner=row["owner"],
    )


def store_path_for(project: Any) -> Path:
    """Where ``project``'s trials live: beside its file when saved, else in the config folder by its id."""
    from studio.core.settings import config_dir

    path = getattr(project, "path", None)
    if path is not None:
        path = Path(path)
        return path.with_name(path.stem + ".trials.sqlite")
    return config_dir() / "trials" / f"{project.id}.trials.sqlite"


def adopt_unsaved_store(project: Any) -> Path:
    """The trial database of ``project``, after copying in the one it had before it was first saved.

    Why: an unsaved project keeps its trials under its id in the config folder; once it is saved they belong
    beside the project file. The copy uses SQLite's backup API (safe while a worker writes to the old file);
    supernets and weights stay where the runs' results point. Nothing is copied when the project is unsaved,
    when its own database already exists, or when there is nothing to adopt. Returns :func:`store_path_for`.
    """
    target = store_path_for(project)
    if getattr(project, "path", None) is None or target.exists():
        return target
    from studio.core.settings import config_dir

    source = config_dir() / "trials" / f"{project.id}.trials.sqlite"
    if not source.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def work_dir_for(store_path: str | Path) -> Path:
    """The folder beside a trial database for its supernets, checkpoints, weights and latency tables."""
    store_path = Path(store_path)
    return store_path.with_name(store_path.name.removesuffix(".trials.sqlite").removesuffix(".sqlite") + ".nas")
