"""Where a job's function actually runs: a thread of this process, or a spawned worker process.

Each runner takes a job function, its keyword arguments and a cancel request, reports progress and log lines
through callbacks, and returns a :class:`~studio.core.runners.outcome.JobOutcome`. The bookkeeping (states,
queueing, listeners) lives in :mod:`studio.core.jobs`; runners only know how to run one function.
"""
