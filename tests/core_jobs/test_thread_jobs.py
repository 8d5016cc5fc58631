"""Thread-runner jobs through the manager: results, ordered events, errors, cancel, queueing, shutdown."""

from __future__ import annotations

import threading
import time

from studio.core.jobs import JobContext, JobManager, JobSpec, JobState
from tests.core_jobs import job_functions as fns
from tests.core_jobs.conftest import EventLog, job_threads


def test_thread_job_succeeds_with_result_and_ordered_progress(manager: JobManager, events: EventLog) -> None:
    job = manager.submit(JobSpec("count", fns.count_to, {"n": 5}))
    assert manager.wait(job, timeout=5)
    assert job.state is JobState.SUCCEEDED
    assert job.result == 15
    assert events.states(job.id) == ["QUEUED", "RUNNING", "SUCCEEDED"]
    done = [e.progress.done for e in events.of_kind("progress", job.id)]
    assert done == [1, 2, 3, 4, 5]
    assert job.progress.done == 5 and job.progress.total == 5 and job.progress.message == "step 5"
    assert [e.line for e in events.of_kind("log", job.id)] == [f"did step {i}" for i in range(1, 6)]
    assert job.log == [f"did step {i}" for i in range(1, 6)]
    assert job.error == "" and job.started_at is not None and job.finished_at >= job.started_at
    kinds = [e.kind for e in events.events if e.job.id == job.id]
    assert kinds.index("progress") > kinds.index("state") and kinds[-1] == "state"


def test_progress_events_arrive_in_order(manager: JobManager) -> None:
    seen: list[float] = []
    manager.subscribe(lambda e: seen.append(e.progress.done) if e.kind == "progress" else None)
    job = manager.submit(JobSpec("count", fns.count_to, {"n": 200}))
    assert manager.wait(job, timeout=5)
    assert seen == list(range(1, 201))


def test_closures_run_on_the_thread_runner(manager: JobManager) -> None:
    captured = {"x": 2}
    job = manager.submit(JobSpec("closure", lambda ctx: captured["x"] * 21))
    assert manager.wait(job, timeout=5) and job.result == 42


def test_studio_error_gives_its_message_other_errors_their_type(manager: JobManager) -> None:
    data = manager.submit(JobSpec("data", fns.raise_data_error))
    bug = manager.submit(JobSpec("bug", fns.raise_value_error))
    assert manager.wait(data, 5) and manager.wait(bug, 5)
    assert data.state is JobState.FAILED and data.error == "data set 'nowhere' not found"
    assert bug.state is JobState.FAILED and bug.error == "ValueError: bad value 42"
    assert "Traceback" in bug.error_detail and "raise_value_error" in bug.error_detail


def test_cancel_running_thread_job(manager: JobManager, events: EventLog) -> None:
    job = manager.submit(JobSpec("wait", fns.wait_for_cancel))
    _wait_until(lambda: job.progress.message == "waiting")
    assert manager.cancel(job.id)
    assert manager.wait(job, timeout=5)
    assert job.state is JobState.CANCELLED
    assert events.states(job.id) == ["QUEUED", "RUNNING", "CANCELLED"]
    assert not manager.cancel(job.id)  # already finished


def test_thread_limit_queues_and_queued_cancel_is_immediate(events: EventLog) -> None:
    manager = JobManager(max_thread_jobs=1)
    manager.subscribe(events)
    try:
        first = manager.submit(JobSpec("first", fns.wait_for_cancel))
        second = manager.submit(JobSpec("second", fns.count_to, {"n": 2}))
        third = manager.submit(JobSpec("third", fns.count_to, {"n": 3}))
        _wait_until(lambda: first.state is JobState.RUNNING)
        assert second.state is JobState.QUEUED and third.state is JobState.QUEUED
        assert manager.cancel(second.id)
        assert second.state is JobState.CANCELLED and manager.wait(second, 0)
        manager.cancel(first.id)
        assert manager.wait(third, timeout=5) and third.result == 6
        assert events.states(second.id) == ["QUEUED", "CANCELLED"]
    finally:
        assert manager.shutdown(timeout=5)
    assert job_threads() == []


def test_eta_needs_two_reports_and_shrinks() -> None:
    gate = threading.Event()
    step = threading.Event()

    def paced(ctx: JobContext) -> None:
        for i in (1, 2):  # two reports, each followed by a pause the test controls
            ctx.progress(i, 100)
            step.set()
            gate.wait(5)
            gate.clear()

    with JobManager() as manager:
        job = manager.submit(JobSpec("paced", paced))
        step.wait(5)
        step.clear()
        assert job.eta_s is None  # a single report says nothing about the rate
        time.sleep(0.05)
        gate.set()
        step.wait(5)
        eta = job.eta_s
        assert eta is not None and 0 < eta < 60
        time.sleep(0.05)
        assert job.eta_s < eta
        gate.set()
        assert manager.wait(job, 5)
        assert job.eta_s is None


def test_clear_finished_and_listener_errors_do_not_break_jobs(manager: JobManager) -> None:
    def broken(_event: object) -> None:
        raise RuntimeError("listener bug")

    manager.subscribe(broken)
    done = manager.submit(JobSpec("done", fns.count_to, {"n": 1}))
    assert manager.wait(done, 5) and done.state is JobState.SUCCEEDED
    running = manager.submit(JobSpec("running", fns.wait_for_cancel))
    assert manager.clear_finished() == [done]
    assert manager.jobs == [running]


def test_shutdown_cancels_and_joins(events: EventLog) -> None:
    manager = JobManager()
    manager.subscribe(events)
    jobs = [manager.submit(JobSpec(f"w{i}", fns.wait_for_cancel)) for i in range(3)]
    assert manager.shutdown(timeout=5)
    assert all(job.state is JobState.CANCELLED for job in jobs)
    assert job_threads() == []
    assert manager.shutdown()  # idempotent
    try:
        manager.submit(JobSpec("late", fns.count_to, {"n": 1}))
    except RuntimeError as exc:
        assert "shut down" in str(exc)
    else:
        raise AssertionError("submit after shutdown must fail")


def test_log_is_bounded(manager: JobManager) -> None:
    from studio.core.jobs import LOG_LIMIT

    def chatty(ctx: JobContext) -> None:
        for i in range(LOG_LIMIT + 50):
            ctx.log(f"line {i}")

    job = manager.submit(JobSpec("chatty", chatty))
    assert manager.wait(job, 5)
    assert len(job.log) == LOG_LIMIT and job.log[-1] == f"line {LOG_LIMIT + 49}"


def _wait_until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.01)
