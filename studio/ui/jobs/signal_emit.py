"""Emit a Qt signal without ``SignalInstance.emit``, which corrupts ``True``'s refcount in PySide6 6.12.

Why: on Python 3.11 (where ``True`` is not immortal) every ``signal.emit(...)`` call made from Python drops
one reference to ``True``; after a few hundred emits the interpreter aborts ("Fatal Python error:
bool_dealloc"), often at exit. ``QMetaObject.invokeMethod`` on the signal's name emits the same signal to
the same connections and has no such leak (``tests/ui_jobs/test_signal_emit.py``). Once PySide's ``emit``
is fixed, callers can go back to ``signal.emit``.
"""

from __future__ import annotations

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt


def emit_signal(sender: QObject, signal_name: str, *args: int | str) -> None:
    """Emit ``sender.<signal_name>(*args)`` to its connections (direct or queued, as connected).

    Arguments are ints or strs, matching the signal's declared types in order.
    """
    qargs = [Q_ARG(type(arg), arg) for arg in args]
    QMetaObject.invokeMethod(sender, signal_name, Qt.ConnectionType.DirectConnection, *qargs)


def post_call(receiver: QObject, slot_name: str) -> None:
    """Queue a call of ``receiver.<slot_name>()`` (a ``@Slot``) on its thread; callable from any thread."""
    QMetaObject.invokeMethod(receiver, slot_name, Qt.ConnectionType.QueuedConnection)
