"""Pausing a job at a checkpoint and resuming it, on both runners; cancel of a paused job."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from studio.core.jobs import JobManager, JobSpec, JobState
from tests.core_jobs.conftest import EventLog
from tests.core_jobs.job_functions import count_with_checkpoints


def _wait_for_progress(manager: JobManager, job_id: int, at_least: float, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while manager.get(job_id).progress.done < at_least:
        assert time.monotonic() < end, "job made no progress"
        time.sleep(0.01)


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_pause_stops_at_a_checkpoint_and_resume_continues(
    manager: JobManager, events: EventLog, tmp_path: Path, runner: str
) -> None:
    checkpoint = tmp_path / "ckpt.txt"
    spec = JobSpec(
        "count",
        count_with_checkpoints,
        {"n": 60, "checkpoint": str(checkpoint), "delay_s": 0.03},
        runner=runner,  # type: ignore[arg-type]
        pausable=True,
    )
    job = manager.submit(spec)
    _wait_for_progress(manager, job.id, 2)
    assert manager.pause(job.id)
    assert manager.wait(job, timeout=30)
    assert job.state is JobState.PAUSED
    stopped_at = int(checkpoint.read_text())
    assert job.resume_kwargs == {"start": stopped_at}
    assert 2 <= stopped_at < 60
    time.sleep(0.2)
    assert int(checkpoint.read_text()) == stopped_at  # nothing runs while paused
    assert not manager.pause(job.id)  # not running any more

    assert manager.resume(job.id)
    assert manager.wait(job, timeout=60)
    assert job.state is JobState.SUCCEEDED
    assert job.result == 60 + 1000 * stopped_at
    assert events.states(job.id) == ["QUEUED", "RUNNING", "RUNNING", "PAUSED", "QUEUED", "RUNNING", "SUCCEEDED"]


def test_cancelling_a_paused_job_finishes_it(manager: JobManager, tmp_path: Path) -> None:
    spec = JobSpec("count", count_with_checkpoints, {"n": 200, "checkpoint": str(tmp_path / "c")}, pausable=True)
    job = manager.submit(spec)
    _wait_for_progress(manager, job.id, 1)
    manager.pause(job.id)
    manager.wait(job, timeout=30)
    assert job.state is JobState.PAUSED
    assert manager.cancel(job.id)
    assert job.state is JobState.CANCELLED
    assert not manager.resume(job.id)


def test_a_job_that_never_checks_runs_on_after_pause(manager: JobManager) -> None:
    from tests.core_jobs.job_functions import count_to

    job = manager.submit(JobSpec("count", count_to, {"n": 5, "delay_s": 0.05}))
    _wait_for_progress(manager, job.id, 1)
    assert manager.pause(job.id)
    assert manager.wait(job, timeout=30)
    assert job.state is JobState.SUCCEEDED and job.result == 15
