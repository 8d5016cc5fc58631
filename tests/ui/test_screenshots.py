"""Screenshot checks of the main screens, rendered through the real `gui --screenshot` path.

Not pixel-exact (fonts differ between machines) but structural: the PNG is the window, it is not blank, and
the graph area actually shows coloured node boxes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gui(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TINYML_STUDIO_CONFIG_DIR=str(tmp_path / "cfg"))
    return subprocess.run(
        [sys.executable, "-m", "studio", "gui", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )


def _image_stats(path: Path) -> tuple[int, int, int]:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    colors = set()
    for y in range(0, image.height(), 7):
        for x in range(0, image.width(), 7):
            colors.add(image.pixel(x, y))
    return image.width(), image.height(), len(colors)


@pytest.mark.slow
def test_main_window_with_demo_model(tmp_path: Path) -> None:
    png = tmp_path / "main.png"
    proc = _gui("demo", "--screenshot", str(png), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    width, height, colors = _image_stats(png)
    assert width >= 1000 and height >= 600
    assert colors > 40, "the window looks blank"


def test_welcome_screen(tmp_path: Path) -> None:
    png = tmp_path / "welcome.png"
    proc = _gui("--screenshot", str(png), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    width, _height, colors = _image_stats(png)
    assert width >= 1000 and colors > 5


def test_window_shows_before_torch_is_imported(tmp_path: Path) -> None:
    proc = _gui("demo", "--exit-after-show", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["torch_imported"] is False
    assert report["shown_s"] > 0
