"""Only studio/ui, the composition root, plugin view/panel modules and a plugin's ``ui/`` package may import Qt.

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
PLUGIN_QT_PACKAGE = "ui"  # plugins/<plugin>/ui/** holds a plugin's Qt code when it needs more than one file


def _is_plugin_qt_file(path: Path, plugins_root: Path) -> bool:
    parts = path.relative_to(plugins_root).parts
    return path.name in PLUGIN_QT_FILES or (len(parts) > 2 and parts[1] == PLUGIN_QT_PACKAGE)


def _qt_free_modules(root: Path = ROOT) -> list[Path]:
    files = [
        p
        for p in (root / "studio").rglob("*.py")
        if not any(str(p.relative_to(root)).startswith(a) for a in QT_ALLOWED)
    ]
    files += [p for p in (root / "plugins").rglob("*.py") if not _is_plugin_qt_file(p, root / "plugins")]
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


def test_only_a_plugins_ui_package_and_view_panel_files_may_use_qt(tmp_path: Path) -> None:
    qt = "from PySide6.QtWidgets import QWidget\n"
    files = {
        "studio/core/x.py": "",
        "plugins/demo/ui/grid.py": qt,
        "plugins/demo/ui/deep/plot.py": qt,
        "plugins/demo/panel.py": qt,
        "plugins/demo/sim/ui.py": qt,  # a module named ui.py outside the ui/ package: not allowed
        "plugins/demo/uikit/widgets.py": qt,
        "plugins/demo/core.py": qt,
        "plugins/ui/core.py": qt,  # a plugin that happens to be named "ui" gets no pass for its other modules
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    offenders = {str(p.relative_to(tmp_path)) for p in _qt_free_modules(tmp_path) if _imported_roots(p) & {"PySide6"}}
    assert offenders == {
        "plugins/demo/sim/ui.py",
        "plugins/demo/uikit/widgets.py",
        "plugins/demo/core.py",
        "plugins/ui/core.py",
    }


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
