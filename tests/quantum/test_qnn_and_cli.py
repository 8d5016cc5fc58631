"""The QNN job (training, noisy evaluation, Aer) and the ``tinyml-studio quantum`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.core.runners.context import JobContext


def test_qnn_trains_above_chance_and_logs_epochs() -> None:
    from plugins.quantum.qnn.train import EPOCH_LOG_PREFIX, QnnTrainConfig, train_job

    lines: list[str] = []
    ctx = JobContext.standalone(on_log=lines.append)
    result = train_job(
        ctx, QnnTrainConfig(num_classes=2, epochs=3, batch_size=16, learning_rate=0.1, max_train=120, max_val=60)
    )
    assert result["accuracy"]["noise_free"] > 0.8  # 3 vs 6 is easy; chance is 0.5
    epochs = [json.loads(line[len(EPOCH_LOG_PREFIX) :]) for line in lines if line.startswith(EPOCH_LOG_PREFIX)]
    assert [e["epoch"] for e in epochs] == [1, 2, 3] and epochs[-1]["loss"] < epochs[0]["loss"]
    assert "input float[64] x0;" in result["qasm"] and len(result["weights"]) == 16


def test_device_executor_matches_aer_expectations() -> None:
    import torch

    from plugins.quantum.noise.sources import BackendNoiseConfig, build_noise_spec
    from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend
    from plugins.quantum.qnn.aer_eval import aer_expectations
    from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit
    from plugins.quantum.qnn.model import DeviceExecutor

    arch = QnnArchitecture(blocks=1)
    symbols = arch.input_symbols() + arch.weight_symbols()
    report = transpile_for_backend(build_qnn_circuit(arch), "FakeBelemV2")
    spec = build_noise_spec(BackendNoiseConfig("FakeBelemV2")).remapped(dict(enumerate(report.physical)))
    values = np.random.default_rng(0).uniform(0, np.pi, (3, len(symbols)))
    ours = DeviceExecutor(report.circuit, symbols, spec, inject=False).expectations(torch.tensor(values), False)
    theirs = aer_expectations(report.qiskit_circuit, values, symbols, "FakeBelemV2", shots=8000, seed=1)
    assert np.abs(ours.numpy() - theirs).max() < 4.5 * np.sqrt(1 / 8000) + 1e-3  # shot noise of <Z>


def test_noise_injection_changes_training_outputs_but_eval_is_exact() -> None:
    import torch

    from plugins.quantum.noise.sources import HandNoiseConfig, build_noise_spec
    from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit
    from plugins.quantum.qnn.model import DeviceExecutor

    arch = QnnArchitecture(blocks=1)
    symbols = arch.input_symbols() + arch.weight_symbols()
    circuit = build_qnn_circuit(arch, measure=True)
    spec = build_noise_spec(HandNoiseConfig(depolarizing_1q=0.05, depolarizing_2q=0.1))
    ex = DeviceExecutor(circuit, symbols, spec, inject=True, seed=0)
    values = torch.rand(2000, len(symbols)).mul(3)[:1].expand(2000, -1)
    sampled = ex.expectations(values, training=True)
    exact = ex.expectations(values[:1], training=False)
    assert sampled.std(dim=0).max() > 0.05  # samples differ: errors were drawn
    assert torch.allclose(sampled.mean(dim=0), exact[0].to(sampled.dtype), atol=0.05)


def _qasm(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.qasm"
    path.write_text(text)
    return str(path)


BELL = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n'


def test_cli_run_json_ideal_noisy_and_aer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli.main import main

    assert main(["quantum", "run", _qasm(tmp_path, BELL), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["probabilities"] == {"00": pytest.approx(0.5), "11": pytest.approx(0.5)}
    assert (
        main(["quantum", "run", _qasm(tmp_path, BELL), "--noise", "manila", "--shots", "2000", "--aer", "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["noise"] == "FakeManilaV2" and out["transpile"]["backend"] == "FakeManilaV2"
    assert 0.005 < out["probabilities"]["01"] < 0.2 and sum(out["counts"].values()) == 2000
    assert out["aer"]["agrees"] is True


def test_cli_errors_are_one_line_with_the_qasm_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli.main import main

    assert main(["quantum", "run", _qasm(tmp_path, BELL.replace("cx q[0], q[1];", "cx q[0], q[7];"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 6" in err and "out of range" in err
    assert main(["quantum", "run", _qasm(tmp_path, BELL), "--noise", "FakeNowhere"]) == 2
    assert "no fake backend" in capsys.readouterr().err
    assert main(["quantum", "run", _qasm(tmp_path, BELL), "--noise", "depolarizing_2q=2"]) == 2
    assert "between 0 and" in capsys.readouterr().err
    sym = BELL.replace("h q[0];", "input float[64] t;\nry(t) q[0];").replace("qubit[2] q;\n", "qubit[2] q;\n", 1)
    assert main(["quantum", "run", _qasm(tmp_path, sym), "--json"]) == 2
    assert "--set t=VALUE" in capsys.readouterr().err
    assert main(["quantum", "run", _qasm(tmp_path, sym), "--set", "t=3.14159265358979", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["probabilities"]["11"] == pytest.approx(1.0)


def test_cli_train_compare_reports_both_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli.main import main

    args = ["quantum", "train", "--classes", "2", "--noise", "FakeBelemV2", "--compare", "--epochs", "1"]
    args += ["--max-train", "60", "--max-val", "40", "--aer-shots", "128", "--json"]
    assert main(args) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    for run in ("plain", "noise_aware"):
        acc = out[run]["accuracy"]
        assert all(0.0 <= acc[k] <= 1.0 for k in ("noise_free", "noisy_torch", "aer"))
    assert out["noise_aware"]["config"]["noise_injection"] and not out["plain"]["config"]["noise_injection"]
    assert set(out["gap_under_noise"]) == {"plain", "noise_aware", "plain_aer", "noise_aware_aer"}


def test_cli_train_compare_over_seeds_reports_mean_and_sd(capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli.main import main

    args = ["quantum", "train", "--classes", "2", "--noise", "FakeBelemV2", "--compare", "--seeds", "0,1"]
    args += ["--epochs", "1", "--max-train", "40", "--max-val", "30", "--aer-shots", "0", "--calibration", "20"]
    assert main([*args, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert out["seeds"] == [0, 1] and len(out["runs"]) == 2
    summary = out["summary"]
    for run in ("plain", "noise_aware"):
        cell = summary[run]["noisy_torch"]
        per_seed = [r[run]["accuracy"]["noisy_torch"] for r in out["runs"]]
        assert cell["values"] == per_seed and cell["mean"] == pytest.approx(np.mean(per_seed))
        assert cell["sd"] == pytest.approx(np.std(per_seed, ddof=1))
        assert "aer" not in summary[run]  # skipped with --aer-shots 0
    gain = [r["noise_aware"]["accuracy"]["noisy_torch"] - r["plain"]["accuracy"]["noisy_torch"] for r in out["runs"]]
    assert summary["advantage"]["noisy_torch"]["values"] == pytest.approx(gain)
    aware = out["runs"][0]["noise_aware"]["config"]  # the default noise-aware recipe
    assert aware["injection_method"] == "exact" and aware["shot_noise"] and aware["normalize"]
    assert not aware["quantize"] and not out["runs"][0]["plain"]["config"]["shot_noise"]
    assert main([*args[:6], "--seeds", "0"]) == 2  # --seeds without --compare
    assert "--compare" in capsys.readouterr().err
    assert main([*args[:7], "--seeds", "a,b"]) == 2
    assert "integers" in capsys.readouterr().err


def test_cli_devices_lists_fake_backends(capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli.main import main

    assert main(["quantum", "devices", "--json"]) == 0
    names = json.loads(capsys.readouterr().out)
    assert names[0] == "FakeManilaV2" and "FakeTorino" in names and len(names) > 50
