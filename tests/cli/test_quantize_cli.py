"""``tinyml-studio quantize``: the JSON report, the files it writes, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli.main import main


def test_quantize_demo_to_onnx_reports_accuracy_size_and_agreement(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "demo.onnx"
    assert (
        main(["quantize", "demo", "--data", "digits", "--bits", "8", "--per-channel", "--out", str(out), "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy_after"] >= report["accuracy_before"] - 0.01
    assert report["size_after"] < report["size_before"] / 3
    assert report["onnxruntime_vs_reference"]["max_code_difference"] <= 2
    assert out.is_file() and report["out"] == str(out)


def test_quantize_with_a_recipe_writes_int8(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from studio.int8.serialize import load_int8

    recipe = tmp_path / "r.toml"
    recipe.write_text('[[steps]]\nkind = "quantize"\nweight_bits = 4\ncalibration = "percentile"\n', encoding="utf-8")
    out = tmp_path / "demo.int8.npz"
    assert main(["quantize", "demo", "--recipe", str(recipe), "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["steps"] == ["Quantize W4A8 linear, per-channel, percentile"]
    assert report["accuracy_after"] > 0.9 and report["size_after"] < report["size_before"] / 6
    assert {op.weight_bits for op in load_int8(out).ops if hasattr(op, "weight_bits")} == {4}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bits", "9"], "bit width must be 2 to 8"),
        (["--layer-bits", "conv1:4"], "--layer-bits wants"),
        (["--out", "model.h5"], "cannot write a quantized model"),
        (["--layer-bits", "nope=4"], "no quantizable layer nope"),
    ],
)
def test_bad_options_are_one_line_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["quantize", "demo", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_bitscan_and_size_target(capsys: pytest.CaptureFixture) -> None:
    assert main(["bitscan", "demo", "--bits", "8,2", "--samples", "200", "--size-target", "9000", "--json"]) == 0
    scan = json.loads(capsys.readouterr().out)
    assert [c["layer"] for c in scan["curves"]] == ["conv1", "conv2", "conv3", "fc"]
    assert all(c["bits"] == [8, 2] and len(c["accuracy"]) == 2 for c in scan["curves"])
    allocation = scan["allocation"]
    assert allocation["fits"] and allocation["size_bytes"] <= 9000
    assert set(allocation["layer_bits"].values()) <= {8, 2}
    assert main(["bitscan", "demo", "--bits", "8,x"]) == 2


def test_quantize_to_tflite_runs_in_tflite_micro_like_the_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import numpy as np

    from studio.deploy.tflite_export import run_tflite_micro
    from studio.int8.reference import run_int8
    from studio.int8.serialize import load_int8

    tflite, npz = tmp_path / "demo.tflite", tmp_path / "demo.int8.npz"
    assert main(["quantize", "demo", "--data", "digits", "--bits", "8", "--out", str(tflite), "--json"]) == 0
    capsys.readouterr()
    assert main(["quantize", "demo", "--data", "digits", "--bits", "8", "--out", str(npz)]) == 0
    model = load_int8(npz)
    spec = next(t for t in model.tensors if t.name == model.inputs[0])
    codes = np.random.default_rng(0).integers(-128, 128, size=(8, *spec.shape), dtype=np.int8)
    ours = run_int8(model, codes)[model.outputs[0]].reshape(8, -1)
    theirs, arena = run_tflite_micro(tflite.read_bytes(), codes)
    # The same calibration twice gives the same scales; TFLite Micro recomputes multipliers from float32
    # scales, so a code may differ by one where they round differently (docs/deploy.md, "Limits").
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1
    assert (ours == theirs).mean() >= 0.99 and arena["total"] > 0
