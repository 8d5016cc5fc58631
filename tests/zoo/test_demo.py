"""The demo model: trained once into a private folder, reused while the training code is unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from studio.zoo import demo, registry


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(demo.DEMO_DIR_ENV, str(directory))
        demo.ensure_demo_model()
    return directory


@pytest.fixture
def in_trained_dir(trained_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(trained_dir))
    return trained_dir


def test_demo_reaches_95_percent_and_records_it(in_trained_dir: Path) -> None:
    model = demo.ensure_demo_model()
    info = json.loads((in_trained_dir / demo.INFO_NAME).read_text())
    assert model.accuracy >= 0.95
    assert info["accuracy"] == model.accuracy == demo.recorded_demo_accuracy()
    assert info["dataset"] == "digits" and info["seed"] == demo.DEMO_SEED
    assert info["val_samples"] == 359
    assert info["torch"] == torch.__version__
    assert model.arch == "digits-cnn" and model.input_shape == (1, 1, 8, 8)


def test_weights_load_safely_into_the_recorded_architecture(in_trained_dir: Path) -> None:
    state = torch.load(in_trained_dir / demo.WEIGHTS_NAME, weights_only=True)
    arch = json.loads((in_trained_dir / demo.ARCH_NAME).read_text())
    module = registry.build(arch["arch"], **arch["kwargs"])
    module.load_state_dict(state, strict=True)
    module.eval()
    from studio.analysis.evaluate import evaluate
    from studio.data.datasets import load_dataset

    _, val = load_dataset("digits").split()
    with torch.no_grad():
        result = evaluate(lambda x: module(torch.from_numpy(x)).numpy(), val, batch_size=50)
    assert result.accuracy == pytest.approx(demo.recorded_demo_accuracy(), abs=1e-9)


def test_current_files_are_reused_without_training(in_trained_dir: Path) -> None:
    before = (in_trained_dir / demo.WEIGHTS_NAME).stat().st_mtime_ns
    demo.ensure_demo_model()
    assert (in_trained_dir / demo.WEIGHTS_NAME).stat().st_mtime_ns == before
    assert not list(in_trained_dir.glob("*.tmp"))


def test_cli_reports_the_accuracy_of_current_files(in_trained_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "studio.zoo.demo", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("demo model: accuracy ")
    assert "up to date" in proc.stdout


def test_missing_demo_has_no_recorded_accuracy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(tmp_path))
    assert demo.recorded_demo_accuracy() is None


@pytest.mark.slow
def test_training_is_deterministic_and_retrains_on_a_code_change(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy whose recorded hash is stale must be retrained, and come out identical to the first training.
    for name in (demo.WEIGHTS_NAME, demo.ARCH_NAME):
        (tmp_path / name).write_bytes((trained_dir / name).read_bytes())
    info = json.loads((trained_dir / demo.INFO_NAME).read_text())
    (tmp_path / demo.INFO_NAME).write_text(json.dumps({**info, "code_hash": "stale"}))
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(tmp_path))
    demo.ensure_demo_model()
    assert json.loads((tmp_path / demo.INFO_NAME).read_text())["code_hash"] == demo.training_code_hash()
    first = torch.load(trained_dir / demo.WEIGHTS_NAME, weights_only=True)
    second = torch.load(tmp_path / demo.WEIGHTS_NAME, weights_only=True)
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key
