"""The core imports with Qt and torch unavailable: it must run on cluster workers and in the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "studio.core.events",
    "studio.core.commands",
    "studio.core.project",
    "studio.core.project_io",
    "studio.core.atomic_write",
    "studio.core.autosave",
    "studio.core.recent_files",
    "studio.core.settings",
    "studio.core.actions",
    "studio.core.plugins",
]

_SCRIPT = """
import sys
for blocked in ("PySide6", "pyqtgraph", "torch", "onnxruntime"):
    sys.modules[blocked] = None  # any import of them now raises ImportError
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "torch", "onnx", "numpy"))
print(",".join(m for m in loaded if sys.modules[m] is not None))
"""


def test_core_imports_without_qt_or_torch() -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *CORE_MODULES], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""  # nothing heavy was imported either
