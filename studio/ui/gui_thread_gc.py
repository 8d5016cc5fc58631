"""Python's cyclic garbage collector, run on the GUI thread only.

Why: automatic collection runs in whichever thread happens to allocate when a threshold trips. In the studio
that is often a worker thread (a live quantum preview importing qiskit, a search running in a thread job),
and the garbage it finds includes Qt wrappers left in reference cycles by closed panels. Deleting a Qt object
from a thread that does not own it is undefined in Qt, and here it deadlocked: the worker, holding the GIL,
waited inside a wrapper's deallocation while the GUI thread waited for the GIL, and the window froze for good
(seen in the test suite, and as a CI run that hung for 80 minutes). So the studio turns automatic collection
off and collects from a timer on the GUI thread instead, the generation whose threshold was passed, the
way the automatic collector would have. Worker *processes* are untouched: they have their own interpreter.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the allocation counts. Short enough that garbage made by a busy worker
#: thread is collected within a fraction of a second, long enough to cost nothing measurable (a look is
#: ``gc.get_count()``; a young collection takes well under a millisecond).
INTERVAL_MS = 250


class GuiThreadGarbageCollector(QObject):
    """While it lives, cyclic garbage is collected on its (the GUI) thread; ``stop()`` hands back to Python."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self.collections = [0, 0, 0]  # per generation, for tests and the curious
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is passed (as automatic collection would); returns
        that generation, or -1 when nothing was due."""
        counts = gc.get_count()
        due = -1
        for generation in range(3):
            if self._thresholds[generation] and counts[generation] > self._thresholds[generation]:
                due = generation
        if due >= 0:
            gc.collect(due)
            self.collections[due] += 1
        return due

    def stop(self) -> None:
        """Stop the timer and give collection back to Python as it was."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
