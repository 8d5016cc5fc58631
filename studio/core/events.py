"""A tiny, Qt-free event emitter: the core's state announces changes; the UI (or a test) listens.

Why not Qt signals: the core must run on cluster workers and in tests without Qt. The UI bridges an emitter to
Qt by connecting a slot as a listener.

Listener lifetime: a bound method is held through a weak reference, so a panel that is deleted stops
listening without having to disconnect (the napari/psygnal habit). Plain functions and lambdas are held
strongly, since nothing else would keep a lambda alive.

Errors: a listener that raises is logged and the other listeners still run; ``emit`` does not re-raise. Why:
events fire *after* the state has changed, so raising would tell the caller that its change failed when it
did not, and one broken view (say, a plugin's panel) would stop every other view from updating. Tests that
want a failing listener to fail the test use :meth:`EventEmitter.errors` or ``caplog``.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import MethodType
from typing import Any

logger = logging.getLogger(__name__)

Listener = Callable[..., Any]


class _Slot:
    """One connected listener: strong for functions, weak for bound methods."""

    def __init__(self, listener: Listener) -> None:
        self._weak: weakref.WeakMethod[Any] | None = None
        self._strong: Listener | None = None
        if isinstance(listener, MethodType):
            self._weak = weakref.WeakMethod(listener)
        else:
            self._strong = listener

    def target(self) -> Listener | None:
        """The listener, or ``None`` once its object has been garbage-collected."""
        if self._weak is not None:
            return self._weak()
        return self._strong

    def holds(self, listener: Listener) -> bool:
        return self.target() == listener


class EventEmitter:
    """Listeners called in connection order with whatever ``emit`` is given.

    ``name`` appears in log messages only. Connecting the same listener twice is a no-op (it is called once).
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._slots: list[_Slot] = []
        self._blocked = 0
        self._errors: list[BaseException] = []

    def connect(self, listener: Listener) -> Listener:
        """Call ``listener(*args, **kwargs)`` on every emit; returns it, so this works as a decorator."""
        if not callable(listener):
            raise TypeError(f"listener must be callable, got {type(listener).__name__}")
        if not any(slot.holds(listener) for slot in self._slots):
            self._slots.append(_Slot(listener))
        return listener

    def disconnect(self, listener: Listener) -> bool:
        """Stop calling ``listener``; returns whether it was connected (disconnecting twice is harmless)."""
        before = len(self._slots)
        self._slots = [slot for slot in self._slots if not slot.holds(listener)]
        return len(self._slots) != before

    def disconnect_all(self) -> None:
        """Forget every listener (used when the emitting object is closed)."""
        self._slots.clear()

    def emit(self, *args: Any, **kwargs: Any) -> None:
        """Call every live listener; one that raises is logged and the rest still run (see the module doc)."""
        if self._blocked:
            return
        # A listener may connect or disconnect while we iterate: work on a snapshot.
        for slot in list(self._slots):
            listener = slot.target()
            if listener is None:
                self._slots = [s for s in self._slots if s is not slot]
                continue
            try:
                listener(*args, **kwargs)
            except Exception as exc:
                self._errors.append(exc)
                del self._errors[:-20]  # keep the last few for diagnostics, never grow without bound
                logger.exception("listener %r of event %r failed", listener, self.name or "?")

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """Suppress emits inside the ``with`` block (e.g. while loading a file field by field)."""
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def errors(self) -> list[BaseException]:
        """The most recent exceptions raised by listeners (at most 20), oldest first."""
        return list(self._errors)

    def __len__(self) -> int:
        """Number of live listeners."""
        return sum(1 for slot in self._slots if slot.target() is not None)

    def __repr__(self) -> str:
        return f"EventEmitter({self.name!r}, listeners={len(self)})"
