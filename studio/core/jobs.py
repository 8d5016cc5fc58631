"""Long work as plain functions: ``fn(ctx, **kwargs)`` run by a :class:`JobManager` in a thread or a process.

Why: the GUI, the CLI and the tests run the same job functions; only the manager decides where they run
(a thread for short work, a spawned worker for training and search, so a crash never takes the window down)
and tells listeners what happens. Listeners are called from worker threads; the Qt bridge in
:mod:`studio.ui.jobs.bridge` moves those calls onto the GUI thread.

States only move forward: QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED (QUEUED -> CANCELLED too),
except for pausing: RUNNING -> PAUSED when a pausable job stopped at a checkpoint, and PAUSED -> QUEUED when it
is resumed (PAUSED -> CANCELLED too). A paused job holds no thread and no worker process.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from studio.core.runners.context import JobCancelled, JobContext, JobPaused
from studio.core.runners.outcome import JobOutcome, one_line

__all__ = [
    "Job",
    "JobCancelled",
    "JobContext",
    "JobEvent",
    "JobManager",
    "JobPaused",
    "JobProgress",
    "JobSpec",
    "JobState",
]

_log = logging.getLogger(__name__)

#: Log lines kept per job; older lines are dropped (a chatty training loop must not eat the memory).
LOG_LIMIT = 2000


class JobState(enum.Enum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"

    @property
    def is_finished(self) -> bool:
        """True for the three final states."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class JobSpec:
    """What to run and where.

    ``runner="process"`` needs a module-level ``fn`` and picklable ``kwargs``/result; it isolates crashes
    and honours ``memory_limit_mb`` (address-space limit in the worker). ``cancel_grace_s`` overrides the
    manager's wait between asking a process job to stop and terminating it. ``pausable`` says the job saves
    checkpoints and honours ``ctx.check_paused`` (the job panel offers Pause/Resume only for those).
    ``nice`` (process jobs, POSIX) lowers the worker's CPU priority by that much, so long training leaves the
    window's thread the CPU it needs to stay responsive.
    """

    title: str
    fn: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    runner: Literal["thread", "process"] = "thread"
    memory_limit_mb: int | None = None
    cancel_grace_s: float | None = None
    pausable: bool = False
    nice: int = 0

    def __post_init__(self) -> None:
        if self.runner not in ("thread", "process"):
            raise ValueError(f"unknown job runner {self.runner!r}; use 'thread' or 'process'")


@dataclass(frozen=True)
class JobProgress:
    """The latest progress report: ``done`` of ``total`` (``total <= 0``: amount unknown) and a message."""

    done: float = 0.0
    total: float = 0.0
    message: str = ""

    @property
    def fraction(self) -> float | None:
        """``done / total`` clamped to [0, 1], or None when the total is unknown."""
        if self.total <= 0:
            return None
        return min(1.0, max(0.0, self.done / self.total))


class Job:
    """A submitted job as listeners see it; only the manager changes it."""

    def __init__(self, job_id: int, spec: JobSpec) -> None:
        self.id = job_id
        self.spec = spec
        self.title = spec.title
        self.state = JobState.QUEUED
        self.progress = JobProgress()
        self.result: Any = None
        self.error = ""
        self.error_detail = ""
        self.created_at = time.time()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._log: deque[str] = deque(maxlen=LOG_LIMIT)
        self._first_report: tuple[float, float] | None = None  # (monotonic time, done)
        self._last_report: tuple[float, float] | None = None
        self._report_count = 0
        self._started_mono: float | None = None
        self._finished_mono: float | None = None
        self._finished = threading.Event()
        self._cancel_requested = threading.Event()
        self._pause_requested = threading.Event()
        self._paused = threading.Event()
        self.resume_kwargs: dict[str, Any] = {}  # what the last pause said to resume with

    def __repr__(self) -> str:
        return f"Job(id={self.id}, title={self.title!r}, state={self.state.name})"

    @property
    def runner(self) -> str:
        """``"thread"`` or ``"process"``."""
        return self.spec.runner

    @property
    def log(self) -> list[str]:
        """The job's log lines, oldest first (at most :data:`LOG_LIMIT`)."""
        return list(self._log)

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`JobManager.cancel` was called for this job."""
        return self._cancel_requested.is_set()

    @property
    def pause_requested(self) -> bool:
        """True while a pause was asked for and the job has not stopped yet."""
        return self._pause_requested.is_set()

    @property
    def elapsed_s(self) -> float | None:
        """Seconds spent running so far (or in total once finished); None before it started."""
        if self._started_mono is None:
            return None
        end = self._finished_mono if self._finished_mono is not None else time.monotonic()
        return max(0.0, end - self._started_mono)

    @property
    def eta_s(self) -> float | None:
        """Estimated seconds left from the progress rate so far; None until two reports show progress."""
        if self.state is not JobState.RUNNING or self._report_count < 2:
            return None
        if self._first_report is None or self._last_report is None:
            return None
        (t0, done0), (t1, done1) = self._first_report, self._last_report
        total = self.progress.total
        if total <= 0 or t1 <= t0 or done1 <= done0:
            return None
        rate = (done1 - done0) / (t1 - t0)
        left = (total - done1) / rate - (time.monotonic() - t1)
        return max(0.0, left)

    def _record_progress(self, done: float, total: float, message: str) -> None:
        now = time.monotonic()
        self.progress = JobProgress(float(done), float(total), message)
        self._report_count += 1
        if self._first_report is None or done < self._last_report[1]:  # type: ignore[index]
            self._first_report = (now, float(done))  # restarted counting (a new phase): restart the rate
            self._report_count = 1
        self._last_report = (now, float(done))


@dataclass(frozen=True)
class JobEvent:
    """What listeners receive: ``kind`` is "state", "progress", "log" (``line`` set) or "removed".

    ``job`` is the live object (it may have moved on by the time a listener looks); ``state`` and
    ``progress`` are what it was when the event was sent.
    """

    kind: Literal["state", "progress", "log", "removed"]
    job: Job
    state: JobState
    progress: JobProgress
    line: str = ""


JobListener = Callable[[JobEvent], None]


class JobManager:
    """Runs submitted jobs: at most ``max_process_jobs`` workers and ``max_thread_jobs`` threads at once.

    Every job gets its own (daemon) thread: thread jobs run on it, process jobs use it to watch their worker.
    Jobs beyond the limits wait in FIFO order. Listeners are called on those threads; keep them quick.
    """

    def __init__(self, *, max_process_jobs: int = 1, max_thread_jobs: int = 4, cancel_grace_s: float = 3.0) -> None:
        self.max_process_jobs = max(1, int(max_process_jobs))
        self.max_thread_jobs = max(1, int(max_thread_jobs))
        self.cancel_grace_s = float(cancel_grace_s)
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._pending: deque[Job] = deque()
        self._threads: dict[int, tuple[Job, threading.Thread]] = {}  # running jobs
        self._listeners: list[JobListener] = []
        self._closed = False

    # ------------------------------------------------------------------------------------------- queries
    @property
    def jobs(self) -> list[Job]:
        """All jobs not cleared yet, in submission order."""
        with self._lock:
            return list(self._jobs.values())

    def get(self, job_id: int) -> Job:
        """The job with ``job_id``; raises KeyError if unknown or cleared."""
        with self._lock:
            return self._jobs[job_id]

    # ------------------------------------------------------------------------------------------- listeners
    def subscribe(self, listener: JobListener) -> Callable[[], None]:
        """Call ``listener(JobEvent)`` on every change, from any thread; returns a function to unsubscribe."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: JobListener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _emit(self, kind: str, job: Job, line: str = "") -> None:
        event = JobEvent(kind, job, job.state, job.progress, line)  # type: ignore[arg-type]
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken view must not break the job
                _log.exception("job listener %r failed on %s", listener, event.kind)

    # ------------------------------------------------------------------------------------------- control
    def submit(self, spec: JobSpec) -> Job:
        """Queue ``spec`` and start it as soon as the runner limits allow; returns its :class:`Job` at once.

        Raises RuntimeError after :meth:`shutdown`.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the job manager was shut down")
            job = Job(next(self._ids), spec)
            self._jobs[job.id] = job
        self._emit("state", job)  # QUEUED is announced before the job can start
        with self._lock:
            if job.state is JobState.QUEUED:
                self._pending.append(job)
        self._start_pending()
        return job

    def cancel(self, job_id: int) -> bool:
        """Ask a job to stop: a queued job is cancelled now, a running one cooperatively (then terminated if
        it is a process job that ignores the request). Returns False if the job already finished."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state.is_finished:
                return False
            job._cancel_requested.set()
            if job.state not in (JobState.QUEUED, JobState.PAUSED):
                return True
            job._paused.clear()
            if job in self._pending:
                self._pending.remove(job)
            self._set_final(job, JobOutcome.cancelled())
        self._emit("state", job)
        job._finished.set()
        return True

    def pause(self, job_id: int) -> bool:
        """Ask a running job to stop at its next checkpoint; it then becomes PAUSED (see :meth:`resume`).

        Returns False if the job is not running. A job that never calls ``ctx.check_paused`` runs on.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state is not JobState.RUNNING:
                return False
            job._pause_requested.set()
        self._emit("state", job)
        return True

    def resume(self, job_id: int) -> bool:
        """Queue a PAUSED job again with its kwargs updated by what it paused with; returns False otherwise.

        The job keeps its id (views keep their row); it starts in a fresh thread or worker process.
        """
        from dataclasses import replace

        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state is not JobState.PAUSED or self._closed:
                return False
            job.spec = replace(job.spec, kwargs={**job.spec.kwargs, **job.resume_kwargs})
            job._pause_requested.clear()
            job._paused.clear()
            job.state = JobState.QUEUED
            job._first_report = job._last_report = None
            job._report_count = 0
        self._emit("state", job)
        with self._lock:
            if job.state is JobState.QUEUED:
                self._pending.append(job)
        self._start_pending()
        return True

    def wait(self, job: Job | int, timeout: float | None = None) -> bool:
        """Block until the job finished or paused (True) or ``timeout`` seconds passed (False): for tests, CLI."""
        target = self.get(job) if isinstance(job, int) else job
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if target._finished.is_set() or target._paused.is_set():
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            target._finished.wait(0.05 if left is None else min(0.05, left))

    def clear_finished(self) -> list[Job]:
        """Forget finished jobs (a "removed" event for each); returns them."""
        with self._lock:
            removed = [job for job in self._jobs.values() if job.state.is_finished]
            for job in removed:
                del self._jobs[job.id]
        for job in removed:
            self._emit("removed", job)
        return removed

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel every job, wait for their threads (and worker processes) to end; idempotent.

        Returns False if a thread job ignored cancellation and was still running after ``timeout`` seconds
        (its thread is a daemon, so it will not keep the interpreter alive).
        """
        with self._lock:
            self._closed = True
            job_ids = list(self._jobs)
        for job_id in job_ids:
            self.cancel(job_id)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [thread for _job, thread in self._threads.values()]
            if not threads:
                return True
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not any(thread.is_alive() for _job, thread in self._threads.values())

    def __enter__(self) -> JobManager:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()

    # ------------------------------------------------------------------------------------------- running
    def _start_pending(self) -> None:
        with self._lock:
            if self._closed:
                return
            started = []
            for job in list(self._pending):
                if self._running_count(job.runner) >= self._limit(job.runner):
                    continue
                self._pending.remove(job)
                job.state = JobState.RUNNING
                job.started_at = time.time()
                job._started_mono = time.monotonic()
                thread = threading.Thread(target=self._run, args=(job,), name=f"studio-job-{job.id}", daemon=True)
                self._threads[job.id] = (job, thread)
                started.append(thread)
            for thread in started:
                thread.start()

    def _running_count(self, runner: str) -> int:
        return sum(1 for job, _thread in self._threads.values() if job.runner == runner)

    def _limit(self, runner: str) -> int:
        return self.max_process_jobs if runner == "process" else self.max_thread_jobs

    def _run(self, job: Job) -> None:
        try:
            self._emit("state", job)
            outcome = self._run_outcome(job)
            with self._lock:
                if outcome.kind == "paused":
                    job.state = JobState.PAUSED
                    job.resume_kwargs = dict(outcome.result or {})
                else:
                    self._set_final(job, outcome)
            self._emit("state", job)
        finally:
            with self._lock:
                self._threads.pop(job.id, None)
            if job.state is JobState.PAUSED:
                job._paused.set()
            else:
                job._finished.set()
            self._start_pending()

    def _run_outcome(self, job: Job) -> JobOutcome:
        from studio.core.runners.process_runner import run_in_process
        from studio.core.runners.thread_runner import run_in_thread

        spec = job.spec

        def on_progress(done: float, total: float, message: str) -> None:
            job._record_progress(done, total, message)
            self._emit("progress", job)

        def on_log(line: str) -> None:
            job._log.append(line)
            self._emit("log", job, line)

        try:
            if spec.runner == "process":
                grace = self.cancel_grace_s if spec.cancel_grace_s is None else spec.cancel_grace_s
                return run_in_process(
                    spec.fn,
                    spec.kwargs,
                    on_progress,
                    on_log,
                    job._cancel_requested,
                    grace_s=grace,
                    memory_limit_mb=spec.memory_limit_mb,
                    pause_requested=job._pause_requested,
                    nice=spec.nice,
                )
            return run_in_thread(spec.fn, spec.kwargs, on_progress, on_log, job._cancel_requested, job._pause_requested)
        except Exception as exc:  # a bug in a runner or a listener: the job fails, the studio lives on
            import traceback

            return JobOutcome.failed(
                f"job runner failed: {one_line(str(exc)) or type(exc).__name__}", traceback.format_exc()
            )

    @staticmethod
    def _set_final(job: Job, outcome: JobOutcome) -> None:
        job.state = {
            "succeeded": JobState.SUCCEEDED,
            "failed": JobState.FAILED,
            "cancelled": JobState.CANCELLED,
        }[outcome.kind]
        job.result = outcome.result
        job.error = outcome.error
        job.error_detail = outcome.error_detail
        job.finished_at = time.time()
        job._finished_mono = time.monotonic()
