"""The benchmark runner writes a complete JSON report; its building blocks compute what they claim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.result import Target, bench_result, percentile
from benchmarks.run import BENCHMARKS, format_table, main

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_target_comparisons_and_result_shape() -> None:
    met = Target("ratio", 1.2, "<", 1.5)
    missed = Target("torch not imported", True, "==", False)
    assert met.target_met and not missed.target_met
    assert not Target("edge", 1.5, "<", 1.5).target_met and Target("edge", 1.5, "<=", 1.5).target_met
    result = bench_result("d", {"a_s": 1.0}, {"b_s": 2.0}, {"a/b": 0.5}, [met, missed])
    assert result["target_met"] is False
    assert [t["target_met"] for t in result["targets"]] == [True, False]
    assert set(result) == {"description", "metrics", "baseline", "ratios", "targets", "target_met", "notes"}


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_unknown_benchmark_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "nope", "--out", str(tmp_path / "x.json")])
    assert exit_info.value.code == 2
    assert not (tmp_path / "x.json").exists()


def test_format_table_shows_errors_and_targets() -> None:
    report = {
        "benchmarks": {
            "launch": {"error": "LaunchError: boom", "target_met": False},
            "graph": bench_result("g", {}, {}, {"r": 2.0}, [Target("max frame ms", 12.5, "<", 50.0)]),
        },
        "target_met": False,
    }
    table = format_table(report)
    assert "ERROR LaunchError: boom" in table
    assert "max frame ms" in table and "12.500" in table and "yes" in table
    assert table.endswith("all targets met: False")


def test_quick_run_writes_complete_json(tmp_path: Path) -> None:
    # ~1-2 s: a few fresh processes and tiny models (quick mode); not marked slow.
    out = tmp_path / "bench.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = json.loads(out.read_text())
    assert set(report) >= {"machine", "benchmarks", "target_met", "quick", "duration_s"}
    assert report["quick"] is True
    assert report["machine"]["cpu_count"] >= 1
    assert set(report["benchmarks"]) == set(BENCHMARKS)
    for name, result in report["benchmarks"].items():
        assert "error" not in result, f"{name}: {result.get('error')}\n{proc.stdout}"
        assert {"metrics", "baseline", "ratios", "targets", "target_met"} <= set(result)
        assert result["targets"], name
        assert all(isinstance(t["target_met"], bool) for t in result["targets"])
        assert not [n for n in result["notes"] if "failed" in n], result["notes"]
    launch = report["benchmarks"]["launch"]
    assert launch["metrics"]["studio_shown_s"] > 0 and launch["baseline"]["bare_shown_s"] > 0
    assert launch["ratios"]["shown"] == pytest.approx(
        launch["metrics"]["studio_shown_s"] / launch["baseline"]["bare_shown_s"], rel=1e-3
    )
    graph = report["benchmarks"]["graph"]["metrics"]
    for label in ("backend", "synthetic"):
        assert graph[f"{label}.nodes"] > 10
        assert graph[f"{label}.max_frame_ms"] > 0
        assert graph[f"{label}.paint_events"] > 0  # the frames really painted
    assert proc.returncode == 0, proc.stdout + proc.stderr
