"""The trial database: runs, trials and curves survive closing and reopening; newer files are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studio.optimize.trial_store import TrialStore, TrialStoreError, store_path_for


def _trial(i: int) -> dict:
    return {
        "index": i,
        "key": f"k{i}",
        "arch": {"resolution": 8},
        "accuracy": 0.5 + i / 100,
        "macs": 1000 * i,
        "params": 10,
        "flash_bytes": 20,
        "peak_sram_bytes": 30,
        "latency_ms": None,
        "generation": 0,
        "origin": "random",
        "board_latency": {"rp2040": 1.5},
    }


def test_runs_trials_and_curves_persist(tmp_path: Path) -> None:
    path = tmp_path / "p.trials.sqlite"
    with TrialStore(path) as store:
        run = store.create_run("nas", "Search", {"trials": 3})
        for i in range(3):
            store.add_trial(run, _trial(i))
        store.add_point(run, "kd/seed0/val_accuracy", 1, 0.8)
        store.add_point(run, "kd/seed0/val_accuracy", 2, 0.9)
        store.set_run_state(run, "succeeded", {"best": "k2"})
    with TrialStore(path) as again:
        record = again.run(run)
        assert (record.kind, record.state, record.result, record.params) == (
            "nas",
            "succeeded",
            {"best": "k2"},
            {"trials": 3},
        )
        trials = again.trials(run)
        assert [t["index"] for t in trials] == [0, 1, 2]
        assert trials[2]["arch"] == {"resolution": 8} and trials[1]["board_latency"] == {"rp2040": 1.5}
        assert [t["index"] for t in again.trials(run, after=0)] == [1, 2]
        assert again.curves(run) == {"kd/seed0/val_accuracy": [(1, 0.8), (2, 0.9)]}
        assert [r.id for r in again.runs("nas")] == [run] and again.runs("distill") == []
        again.delete_run(run)
        assert again.trials(run) == []


def test_newer_or_broken_files_are_refused_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    TrialStore(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.close()
    with pytest.raises(TrialStoreError, match="newer studio"):
        TrialStore(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(TrialStoreError, match="cannot open"):
        TrialStore(junk)


def test_store_lives_beside_a_saved_project_else_in_the_config_dir(tmp_path: Path) -> None:
    from studio.core.project import Project

    project = Project()
    assert store_path_for(project).parent.name == "trials"
    assert project.id in store_path_for(project).name
    project.path = tmp_path / "mine.tmlproj"
    assert store_path_for(project) == tmp_path / "mine.trials.sqlite"
