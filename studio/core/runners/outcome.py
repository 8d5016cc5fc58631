"""How a job ended, independent of where it ran, and how an exception becomes a one-line reason."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Literal

from studio.core.errors import StudioError

OutcomeKind = Literal["succeeded", "failed", "cancelled", "paused"]

#: Longest one-line error shown to the user; the full text stays in ``error_detail``.
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class JobOutcome:
    """The final word of a runner: what happened, the result, and a one-line error plus its detail."""

    kind: OutcomeKind
    result: Any = None
    error: str = ""
    error_detail: str = ""

    @classmethod
    def succeeded(cls, result: Any) -> JobOutcome:
        return cls("succeeded", result=result)

    @classmethod
    def cancelled(cls) -> JobOutcome:
        return cls("cancelled")

    @classmethod
    def paused(cls, resume_kwargs: dict[str, Any]) -> JobOutcome:
        """The job stopped at a checkpoint; ``result`` holds the kwargs that resume it."""
        return cls("paused", result=dict(resume_kwargs))

    @classmethod
    def failed(cls, error: str, detail: str = "") -> JobOutcome:
        return cls("failed", error=one_line(error), error_detail=detail)


def one_line(text: str) -> str:
    """The first non-empty line of ``text``, shortened to :data:`MAX_ERROR_CHARS`."""
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return first if len(first) <= MAX_ERROR_CHARS else first[: MAX_ERROR_CHARS - 1] + "…"


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """``(one-line error, traceback text)`` for an exception raised by a job function.

    A :class:`StudioError` is the user's problem and already reads as a sentence, so its message is the
    error; anything else is a bug, shown as ``"TypeName: message"``.
    """
    detail = "".join(traceback.format_exception(exc))
    if isinstance(exc, StudioError):
        return one_line(str(exc)) or type(exc).__name__, detail
    message = one_line(str(exc))
    return (f"{type(exc).__name__}: {message}" if message else type(exc).__name__), detail
