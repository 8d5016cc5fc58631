"""``tinyml-studio sensitivity`` and ``prune`` in-process, with the JSON keys the issue lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli.main import main


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def test_sensitivity_json_has_one_curve_per_layer_starting_at_the_dense_accuracy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sensitivity", "demo", "--data", "digits", "--levels", "0.5,0", "--samples", "120", "--json"]) == 0
    out = _json(capsys)
    names = [layer["name"] for layer in out["layers"]]
    assert names == ["conv1", "conv2", "conv3", "fc"]
    for layer in out["layers"]:
        assert set(layer) >= {"name", "levels", "accuracy", "loss"}
        assert layer["levels"] == [0.0, 0.5]
        assert layer["accuracy"][0] == out["layers"][0]["accuracy"][0] == out["baseline"]["accuracy"]


def test_bad_input_is_one_line_and_status_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["sensitivity", "demo", "--data", "digits", "--levels", "1.5"]) == 2
    assert "below 1" in capsys.readouterr().err
    code = main(["prune", "demo", "--data", "digits", "--sparsity", "0.5", "--method", "lottery", "--out", "x.onnx"])
    assert code == 2 and "unknown pruning method" in capsys.readouterr().err
    assert main(["prune", "demo", "--data", "digits", "--sparsity", "0.5", "--out", str(tmp_path / "m.txt")]) == 2


@pytest.mark.slow
def test_prune_two_four_to_pt2_then_prune_the_pt2_by_recipe_to_onnx(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pt2 = tmp_path / "pruned.pt2"
    args = ["prune", "demo", "--data", "digits", "--sparsity", "0.5", "--method", "2:4", "--out", str(pt2), "--json"]
    assert main(args) == 0
    out = _json(capsys)
    keys = ("accuracy_before", "accuracy_after", "sparsity", "params_before", "params_after", "macs_before")
    assert set(out) >= {*keys, "macs_after"}
    assert out["params_after"] < out["params_before"] and 0.4 < out["sparsity"] < 0.5  # the stem is not 2:4-able
    assert pt2.is_file()
    recipe = tmp_path / "r.toml"
    recipe.write_text('[[steps]]\nkind = "prune"\nmethod = "magnitude"\nsparsity = 0.3\n', encoding="utf-8")
    onnx = tmp_path / "again.onnx"
    assert main(["prune", str(pt2), "--data", "digits", "--recipe", str(recipe), "--out", str(onnx), "--json"]) == 0
    again = _json(capsys)
    assert again["sparsity"] > 0.3 and again["accuracy_after"] > 0.5 and onnx.is_file()
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[1:] == [1, 8, 8]
