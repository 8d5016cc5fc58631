"""The baseline for the launch benchmark: the cheapest PySide6 program that shows a main window.

Run as ``python -m benchmarks.bare_window``. It does what ``python -m studio gui demo --exit-after-show`` does
around its own window, and nothing else: create the QApplication, show a QMainWindow, and once the event loop
runs (the window is shown), print one JSON line ``{"shown_s": ..., "torch_imported": ...}`` and exit.
``shown_s`` is measured from ``TINYML_BENCH_T0`` (a ``time.time()`` the parent took just before starting
this process, the same clock and reference the studio uses) or, without it, from this module's import.
"""

from __future__ import annotations

import json
import os
import sys
import time

_T0 = time.time()


def main() -> int:
    """Show the window, report when it is shown, exit with the event loop's status."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare window")
    window.resize(1280, 800)
    window.show()

    def report() -> None:
        t0 = float(os.environ.get("TINYML_BENCH_T0", _T0))
        print(json.dumps({"shown_s": time.time() - t0, "torch_imported": "torch" in sys.modules}), flush=True)
        app.quit()

    QTimer.singleShot(0, report)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
