"""Launch-to-window time of the studio against a bare PySide6 window (DESIGN.md target: under 1.5x, and
torch not imported before the window shows).

Both sides run as fresh subprocesses, alternately (so background load hits both alike), after one
uncounted warm-up each (so neither pays for a cold disk cache alone). The parent sets ``TINYML_BENCH_T0``
to ``time.time()`` just before starting each child, and each child reports ``time.time() - T0`` once its
window is shown: the same clock and the same reference on both sides, Python start-up included. The time
the parent saw the report line is kept as a cross-check (``observed``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.result import Target, bench_result, median

REPO_ROOT = Path(__file__).resolve().parent.parent
STUDIO_COMMAND = ("-m", "studio", "gui", "demo", "--exit-after-show")
BARE_COMMAND = ("-m", "benchmarks.bare_window")
RATIO_LIMIT = 1.5


class LaunchError(RuntimeError):
    """A child process did not report a shown window (crashed, timed out or printed no JSON line)."""


def launch_once(args: tuple[str, ...], env: dict[str, str], timeout_s: float = 120.0) -> dict[str, Any]:
    """Start ``python <args>`` and return its report plus ``observed_s`` (parent's view of the same moment).

    Raises :class:`LaunchError` with the end of the child's stderr when it reports nothing.
    """
    child_env = dict(env)
    t0 = time.time()
    child_env["TINYML_BENCH_T0"] = repr(t0)
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    report: dict[str, Any] | None = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # read as it comes: the child may linger after reporting
            line = line.strip()
            if line.startswith("{") and '"shown_s"' in line:
                report = {**json.loads(line), "observed_s": time.time() - t0}
                break
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as err:
        proc.kill()
        proc.communicate()
        raise LaunchError(f"{' '.join(args)} timed out after {timeout_s:.0f} s") from err
    if report is None:
        lines = stderr.strip().splitlines()
        tail = lines[-1] if lines else "no output"
        raise LaunchError(f"{' '.join(args)} exited {proc.returncode} without a report: {tail}")
    return report


def _child_env(config_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["TINYML_STUDIO_CONFIG_DIR"] = config_dir  # never touch the user's settings or recent files
    return env


def run(quick: bool = False) -> dict[str, Any]:
    """Measure both launches (median of 5; 1 without warm-up in quick mode) and compare them."""
    runs = 1 if quick else 5
    with tempfile.TemporaryDirectory(prefix="tinyml-bench-config-") as config_dir:
        env = _child_env(config_dir)
        if not quick:
            launch_once(BARE_COMMAND, env)
            launch_once(STUDIO_COMMAND, env)
        bare: list[dict[str, Any]] = []
        studio: list[dict[str, Any]] = []
        for _ in range(runs):
            bare.append(launch_once(BARE_COMMAND, env))
            studio.append(launch_once(STUDIO_COMMAND, env))

    studio_s = median([r["shown_s"] for r in studio])
    bare_s = median([r["shown_s"] for r in bare])
    ratio = studio_s / bare_s
    torch_imported = any(bool(r.get("torch_imported")) for r in studio)
    observed_ratio = median([r["observed_s"] for r in studio]) / median([r["observed_s"] for r in bare])
    return bench_result(
        description="window shown after launch: studio vs bare PySide6 window (fresh processes)",
        metrics={
            "studio_shown_s": studio_s,
            "studio_shown_s_runs": [round(r["shown_s"], 4) for r in studio],  # type: ignore[dict-item]
            "torch_imported": torch_imported,  # type: ignore[dict-item]
            "runs": runs,
        },
        baseline={
            "bare_shown_s": bare_s,
            "bare_shown_s_runs": [round(r["shown_s"], 4) for r in bare],  # type: ignore[dict-item]
        },
        ratios={"shown": ratio, "observed_by_parent": observed_ratio},
        targets=[
            Target("launch ratio vs bare window", ratio, "<", RATIO_LIMIT),
            Target("torch not imported before window shows", torch_imported, "==", False),
        ],
        notes=[f"QT_QPA_PLATFORM={_child_env('')['QT_QPA_PLATFORM']}", f"median of {runs} run(s) per side"],
    )


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
