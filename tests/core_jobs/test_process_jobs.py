"""Process-runner jobs: isolation from crashes, cancellation with a grace period, memory limit.

Each test spawns a worker (about a second with nothing heavy imported), so there are only a few of them.
"""

from __future__ import annotations

import importlib
import signal
import sys
import time
from pathlib import Path

import pytest

from studio.core.jobs import JobManager, JobSpec, JobState
from studio.core.runners.process_runner import exit_reason
from tests.core_jobs import job_functions as fns
from tests.core_jobs.conftest import EventLog


def _process(title: str, fn, **kwargs) -> JobSpec:  # type: ignore[no-untyped-def]
    return JobSpec(title, fn, kwargs, runner="process")


def test_process_job_succeeds_with_ordered_events_and_imports_nothing_heavy(
    manager: JobManager, events: EventLog
) -> None:
    job = manager.submit(_process("count", fns.count_to, n=4))
    probe = manager.submit(_process("probe", fns.heavy_modules_loaded))
    assert manager.wait(job, 15) and manager.wait(probe, 15)
    assert job.state is JobState.SUCCEEDED and job.result == 10
    assert events.states(job.id) == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert [e.progress.done for e in events.of_kind("progress", job.id)] == [1, 2, 3, 4]
    assert job.log == [f"did step {i}" for i in range(1, 5)]
    assert probe.state is JobState.SUCCEEDED and probe.result == []


def test_process_jobs_queue_and_cancel_cooperatively(manager: JobManager, events: EventLog) -> None:
    first = manager.submit(_process("first", fns.wait_for_cancel))
    second = manager.submit(_process("second", fns.count_to, n=1))
    _wait_until(lambda: first.progress.message == "waiting", 15)
    assert second.state is JobState.QUEUED  # one worker process at a time by default
    manager.cancel(second.id)
    manager.cancel(first.id)
    assert manager.wait(first, 10)
    assert first.state is JobState.CANCELLED
    assert events.states(second.id) == ["QUEUED", "CANCELLED"]


def test_process_job_ignoring_cancel_is_terminated_after_grace(manager: JobManager) -> None:
    job = manager.submit(_process("stubborn", fns.ignore_cancel))
    _wait_until(lambda: job.progress.message == "sleeping", 15)
    asked = time.monotonic()
    manager.cancel(job.id)
    assert manager.wait(job, 10)
    assert job.state is JobState.CANCELLED
    assert 0.25 <= time.monotonic() - asked < 5  # the 0.3 s grace of the fixture, then SIGTERM


@pytest.mark.parametrize(
    ("fn", "kwargs", "error"),
    [
        (fns.segfault, {}, "worker crashed: killed by signal SIGSEGV"),
        (fns.exit_with_status, {"status": 3}, "worker exited with status 3"),
        (
            fns.kill_self,
            {"signal_number": signal.SIGKILL},
            "worker crashed: killed by signal SIGKILL (likely out of memory)",
        ),
        (fns.raise_value_error, {}, "ValueError: bad value 42"),
    ],
    ids=["segfault", "os-exit-3", "sigkill", "value-error"],
)
def test_worker_failures_become_one_line_reasons(manager: JobManager, fn, kwargs, error) -> None:  # type: ignore[no-untyped-def]
    job = manager.submit(JobSpec("crash", fn, kwargs, runner="process"))
    assert manager.wait(job, 15)
    assert job.state is JobState.FAILED
    assert job.error == error
    if fn is fns.segfault:
        assert "segfault" in job.error_detail  # faulthandler's stack of the worker
        assert job.log == ["about to crash"]  # what it said before dying still arrives
    if fn is fns.raise_value_error:
        assert "Traceback" in job.error_detail


def test_memory_limit_turns_a_big_allocation_into_out_of_memory(manager: JobManager) -> None:
    job = manager.submit(JobSpec("hog", fns.allocate, {"megabytes": 2048}, runner="process", memory_limit_mb=512))
    assert manager.wait(job, 15)
    assert job.state is JobState.FAILED
    assert job.error == "worker ran out of memory"


def test_job_module_found_through_the_parents_sys_path(
    manager: JobManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "studio_extra_job.py").write_text("def triple(ctx, x):\n    return 3 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("studio_extra_job")
    try:
        job = manager.submit(JobSpec("extra", module.triple, {"x": 5}, runner="process"))
        assert manager.wait(job, 15)
        assert (job.state, job.result) == (JobState.SUCCEEDED, 15), job.error
    finally:
        sys.modules.pop("studio_extra_job", None)


def test_unpicklable_job_fails_without_spawning(manager: JobManager) -> None:
    job = manager.submit(JobSpec("closure", lambda ctx: 1, runner="process"))
    assert manager.wait(job, 5)
    assert job.state is JobState.FAILED and job.error.startswith("job cannot be sent to a worker process")


def test_exit_reasons_read_like_sentences() -> None:
    assert exit_reason(-signal.SIGSEGV) == "worker crashed: killed by signal SIGSEGV"
    assert exit_reason(-signal.SIGKILL).startswith("worker crashed: killed by signal SIGKILL")
    assert "out of memory" in exit_reason(-signal.SIGKILL)
    assert exit_reason(3) == "worker exited with status 3"
    assert exit_reason(0) == "worker exited without sending a result"


def _wait_until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.01)


def test_process_job_returns_torch_objects_that_outlive_the_worker(manager: JobManager) -> None:
    import torch

    job = manager.submit(_process("torch", fns.make_torch_module, width=5))
    assert manager.wait(job, 60)
    assert job.state is JobState.SUCCEEDED, job.error
    time.sleep(0.5)  # the worker has exited; its shared memory would be gone by now
    assert torch.equal(job.result["tensor"], torch.arange(5, dtype=torch.float32))
    assert job.result["module"](torch.ones(1, 5)).shape == (1, 2)
