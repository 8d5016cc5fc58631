"""A job manager for panel tests, shut down (no job thread, no worker process left) after each test."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator

import pytest

from studio.core.jobs import JobManager


@pytest.fixture
def manager() -> Iterator[JobManager]:
    jobs = JobManager(cancel_grace_s=0.3)
    yield jobs
    assert jobs.shutdown(timeout=10)
    assert [t for t in threading.enumerate() if t.name.startswith("studio-job-")] == []
    assert multiprocessing.active_children() == []
