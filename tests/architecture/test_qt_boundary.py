"""Only studio/ui, the composition root and plugin view/panel modules may import Qt.

Two checks: a static scan of every import statement (catches lazy imports inside functions too), and a
subprocess that imports every Qt-free module with PySide6 made unimportable (catches indirect imports).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "qtpy")
QT_ALLOWED = ("studio/ui/", "studio/app.py")
PLUGIN_QT_FILES = ("view.py", "panel.py")


def _qt_free_modules() -> list[Path]:
    files = [
        p
        for p in (ROOT / "studio").rglob("*.py")
        if not any(str(p.relative_to(ROOT)).startswith(a) for a in QT_ALLOWED)
    ]
    files += [p for p in (ROOT / "plugins").rglob("*.py") if p.name not in PLUGIN_QT_FILES]
    return sorted(files)


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_qt_import_statement_outside_ui() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in _qt_free_modules() if _imported_roots(p) & set(QT_PACKAGES)]
    assert offenders == [], f"Qt imported outside studio/ui: {offenders}"


def test_the_scan_sees_a_qt_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6.QtCore import QObject\n")
    assert "PySide6" in _imported_roots(bad)


def test_qt_free_modules_import_with_pyside6_unavailable() -> None:
    modules = []
    for path in _qt_free_modules():
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    script = f"""
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {QT_PACKAGES!r}:
            raise ImportError('Qt is blocked in Qt-free code: ' + name)
sys.meta_path.insert(0, Block())
failed = []
for m in {modules!r}:
    try:
        importlib.import_module(m)
    except ImportError as e:
        if 'Qt is blocked' in str(e):
            failed.append((m, str(e)))
print(failed)
sys.exit(1 if failed else 0)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
