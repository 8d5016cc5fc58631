"""The search as a real process job: progress, pause, resume in a fresh worker, and the result back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from studio.core.jobs import JobManager, JobSpec, JobState
from studio.optimize.nas.constraints import Constraints
from studio.optimize.nas.progressive import tiny_config
from studio.optimize.nas.request import NasRequest
from studio.optimize.trial_store import TrialStore
from studio.workflows.nas import nas_job
from tests.optimize_nas.conftest import TINY_SPACE_TOML


@pytest.mark.slow
def test_search_process_job_pauses_and_resumes(small_digits_npz: Path, tmp_path: Path) -> None:
    request = NasRequest(
        data=str(small_digits_npz),
        space_toml=TINY_SPACE_TOML,
        supernet=tiny_config(epochs=(2, 1, 1, 2), batch_size=48),
        trials=4,
        population=2,
        constraints=Constraints(max_macs=400_000),
        work_dir=str(tmp_path / "work"),
        store_path=str(tmp_path / "t.sqlite"),
    )
    with TrialStore(request.store_path) as store:
        run_id = store.create_run("nas", "process job")
    from dataclasses import replace

    request = replace(request, run_id=run_id)
    manager = JobManager(cancel_grace_s=5)
    try:
        job = manager.submit(JobSpec("Search", nas_job, {"request": request}, runner="process", pausable=True))
        deadline = time.monotonic() + 120
        while job.progress.done < 1 or "supernet" not in job.progress.message:
            assert time.monotonic() < deadline and job.state is JobState.RUNNING, job.error
            time.sleep(0.05)
        assert manager.pause(job.id)
        assert manager.wait(job, timeout=120)
        assert job.state is JobState.PAUSED, job.error
        assert job.resume_kwargs == {"resume": True}
        with TrialStore(request.store_path) as store:
            assert store.run(run_id).state == "paused"
        assert manager.resume(job.id)
        assert manager.wait(job, timeout=180)
        assert job.state is JobState.SUCCEEDED, job.error
        assert len(job.result["trials"]) == 4
        with TrialStore(request.store_path) as store:
            assert store.run(run_id).state == "succeeded"
            assert len(store.trials(run_id)) == 4
    finally:
        assert manager.shutdown(timeout=20)
