"""Work around PySide6 6.12 on Python 3.11 dropping a reference to ``None`` on every call of a void method.

Observed here (PySide6 6.12.0, CPython 3.11.7): ``QPainterPath.moveTo``, ``QPainter.setPen``, ``drawRect``,
``QGraphicsItem.setPos`` ... each decrement ``None``'s reference count without the matching increment
(harmless on Python 3.12+, where ``None`` is immortal). After a few thousand calls CPython aborts with "Fatal
Python error: none_dealloc: deallocating None". Painting a graph makes that many calls in one frame.

The guard detects the defect at run time and, only if present, gives ``None`` an enormous reference count,
which is what Python 3.12 does for immortal objects. It belongs in the composition root (``studio.app``) so
every Qt part of the studio is covered; the graph view calls it too, as it is the heaviest caller.
"""

from __future__ import annotations

import ctypes
import sys

_IMMORTAL_ENOUGH = 1 << 48
_applied = False


def none_refcount_leaks() -> bool:
    """Whether calling a void PySide6 method loses a reference to ``None`` in this interpreter."""
    from PySide6.QtCore import QPointF

    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(64):
        point.setX(1.0)
    return sys.getrefcount(None) < before - 32


def guard_none_refcount() -> bool:
    """Apply the workaround once if needed; returns whether it is in effect."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or not none_refcount_leaks():
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += _IMMORTAL_ENOUGH
    _applied = True
    return True
