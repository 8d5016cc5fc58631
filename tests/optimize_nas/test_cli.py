"""``tinyml-studio nas`` and ``distill`` as a user runs them: JSON shape, limits kept, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.optimize_nas.conftest import TINY_SPACE_TOML

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_nas_prints_candidates_within_the_limits(small_digits_npz: Path, tmp_path: Path) -> None:
    space = tmp_path / "tiny.toml"
    space.write_text(TINY_SPACE_TOML)
    out = tmp_path / "out"
    proc = run_cli(
        "nas",
        "--data",
        str(small_digits_npz),
        "--space",
        str(space),
        "--max-sram",
        "1.5",
        "--max-macs",
        "0.3",
        "--trials",
        "3",
        "--population",
        "3",
        "--supernet-epochs",
        "1,1,1,1",
        "--finetune-epochs",
        "1",
        "--out",
        str(out),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert len(result["candidates"]) == 3
    for c in result["candidates"]:
        assert {"accuracy", "macs", "params", "peak_sram_bytes", "flash_bytes", "key", "arch"} <= set(c)
        assert c["peak_sram_bytes"] <= 1.5 * 1024 and c["macs"] <= 300_000
        assert Path(c["arch_file"]).exists()
    accs = [c["accuracy"] for c in result["candidates"]]
    assert accs == sorted(accs, reverse=True)
    assert Path(result["best"]["model"]).exists() and (out / "trials.sqlite").exists()

    proc = run_cli(
        "distill",
        "--teacher",
        "demo",
        "--student",
        result["candidates"][0]["arch_file"],
        "--data",
        str(small_digits_npz),
        "--epochs",
        "1",
        "--seeds",
        "1",
        "--out",
        str(tmp_path / "d"),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert set(summary["with_distillation"]) == {"mean", "sd", "per_seed"}
    assert 0 <= summary["without_distillation"]["mean"] <= 1
    assert Path(summary["model"]).exists()


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    proc = run_cli("nas", "--space", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "cannot read search space" in proc.stderr
    proc = run_cli("nas", "--max-sram", "0.001", "--supernet-epochs", "1,1", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "four" in proc.stderr and "Traceback" not in proc.stderr
