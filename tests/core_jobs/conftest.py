"""A job manager per test that must leave no job thread and no worker process behind."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator

import pytest

from studio.core.jobs import JobEvent, JobManager


class EventLog:
    """Collects job events from any thread (lists are appended atomically)."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []

    def __call__(self, event: JobEvent) -> None:
        self.events.append(event)

    def states(self, job_id: int) -> list[str]:
        return [e.state.name for e in self.events if e.kind == "state" and e.job.id == job_id]

    def of_kind(self, kind: str, job_id: int) -> list[JobEvent]:
        return [e for e in self.events if e.kind == kind and e.job.id == job_id]


def job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("studio-job-") and t.is_alive()]


@pytest.fixture
def manager() -> Iterator[JobManager]:
    jobs = JobManager(cancel_grace_s=0.3)
    yield jobs
    assert jobs.shutdown(timeout=10)
    assert job_threads() == []
    assert multiprocessing.active_children() == []


@pytest.fixture
def events(manager: JobManager) -> EventLog:
    log = EventLog()
    manager.subscribe(log)
    return log
