"""What the window needs to resume a run from the history, without Qt: who owns a run, whether it is live,
the request rebuilt from the history, the teacher check, and the database of a project that was saved."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from studio.optimize.nas.constraints import Constraints
from studio.optimize.nas.progressive import tiny_config
from studio.optimize.nas.request import NasRequest
from studio.optimize.trial_store import TrialStore, adopt_unsaved_store, is_resumable, run_is_live, store_path_for
from tests.optimize_nas.conftest import TINY_SPACE_TOML


def dead_pid() -> int:
    """The id of a process that has exited (a worker that crashed)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def set_owner(path: Path, run_id: int, owner: str | None) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE runs SET owner=? WHERE id=?", (owner, run_id))
    db.close()


def test_a_run_is_live_only_while_its_owner_process_runs(tmp_path: Path) -> None:
    path = tmp_path / "t.trials.sqlite"
    with TrialStore(path) as store:
        run = store.create_run("nas", "s", {})
        assert not run_is_live(store.run(run)) and is_resumable(store.run(run))  # queued, never started
        store.set_run_state(run, "running")
        record = store.run(run)
        assert record.owner == f"{socket.gethostname()}:{__import__('os').getpid()}"
        assert run_is_live(record) and not is_resumable(record)  # this very process runs it
        set_owner(path, run, f"{socket.gethostname()}:{dead_pid()}")
        assert not run_is_live(store.run(run)) and is_resumable(store.run(run))  # its worker crashed
        set_owner(path, run, "another-host:1")
        assert run_is_live(store.run(run))  # cannot be checked from here: not offered
        for state in ("paused", "failed", "cancelled"):
            store.set_run_state(run, state)
            assert is_resumable(store.run(run))
        store.set_run_state(run, "succeeded")
        assert not is_resumable(store.run(run))


def test_a_version_1_database_gains_the_owner_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    with db:
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, title TEXT NOT NULL,"
            " state TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', result TEXT, error TEXT, created REAL NOT NULL,"
            " updated REAL NOT NULL);"
            "INSERT INTO runs (kind, title, state, created, updated) VALUES ('nas', 'old', 'running', 0, 0);"
        )
    db.close()
    with TrialStore(path) as store:
        (old,) = store.runs()
        assert old.owner is None and is_resumable(old)  # written before owners were kept: not live
        store.set_run_state(old.id, "running")
        assert store.run(old.id).owner


def test_the_request_of_a_stored_search_comes_back_with_its_own_work_folder(tmp_path: Path) -> None:
    from studio.core.errors import StudioError
    from studio.workflows.nas import resume_nas_request

    work = tmp_path / "work"
    work.mkdir()
    original = NasRequest(
        data="digits",
        space_toml=TINY_SPACE_TOML,
        supernet=tiny_config(batch_size=48),
        trials=5,
        population=2,
        seed=3,
        constraints=Constraints(max_macs=400_000, max_sram_bytes=4096),
        work_dir=str(work),
        store_path="old.sqlite",
    )
    with TrialStore(tmp_path / "t.sqlite") as store:
        run = store.run(store.create_run("nas", "s", original.to_params()))
    again = resume_nas_request(run, str(tmp_path / "t.sqlite"), str(tmp_path / "elsewhere"))
    assert again.supernet_fingerprint() == original.supernet_fingerprint()  # finds the same supernet
    assert (again.constraints, again.trials, again.seed, again.work_dir) == (original.constraints, 5, 3, str(work))
    assert again.run_id == run.id and again.store_path == str(tmp_path / "t.sqlite")
    work.rmdir()  # the recorded folder is gone: the panel's own is used
    assert resume_nas_request(run, "t", str(tmp_path / "elsewhere")).work_dir == str(tmp_path / "elsewhere")
    old_style = {**run.params, "space_toml_text": None}
    with pytest.raises(StudioError, match="custom search space was not recorded"):
        NasRequest.from_params(old_style)


def test_a_distillation_resumes_only_with_its_own_teacher(tmp_path: Path) -> None:
    from studio.core.errors import StudioError
    from studio.optimize.distill.config import DistillConfig
    from studio.workflows.distill import DistillRequest, distill_params, resume_distill_request
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import ModelSpec

    teacher = ModelHandle(ModelSpec(tmp_path / "t.onnx"), steps=({"kind": "prune", "sparsity": 0.5},))
    request = DistillRequest(
        teacher, "digits-cnn:width=2", config=DistillConfig(epochs=3), seeds=(0, 4), out_dir=str(tmp_path / "o")
    )
    with TrialStore(tmp_path / "t.sqlite") as store:
        run = store.run(store.create_run("distill", "d", distill_params(request)))
    again = resume_distill_request(run, teacher, "db")
    assert (again.student, again.seeds, again.config, again.out_dir) == (
        "digits-cnn:width=2",
        (0, 4),
        DistillConfig(epochs=3),
        str(tmp_path / "o"),
    )
    other = ModelHandle(ModelSpec(tmp_path / "t.onnx"))  # the same file before it was pruned
    with pytest.raises(StudioError, match="another teacher"):
        resume_distill_request(run, other, "db")


def test_saving_a_project_brings_its_trials_beside_the_file(tmp_path: Path) -> None:
    from studio.core.project import Project

    project = Project()
    unsaved = store_path_for(project)
    with TrialStore(unsaved) as store:
        run = store.create_run("nas", "before saving", {})
    assert adopt_unsaved_store(project) == unsaved  # not saved yet: nothing to do
    project.path = tmp_path / "mine.tmlproj"
    target = adopt_unsaved_store(project)
    assert target == tmp_path / "mine.trials.sqlite" and target.exists()
    with TrialStore(target) as store:
        assert [r.title for r in store.runs()] == ["before saving"] and store.run(run).kind == "nas"
        store.create_run("nas", "after saving", {})
    assert adopt_unsaved_store(project) == target  # an existing database is never overwritten
    with TrialStore(target) as store:
        assert len(store.runs()) == 2
