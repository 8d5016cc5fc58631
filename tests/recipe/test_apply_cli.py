"""``tinyml-studio apply``: replays a recipe through the registered steps; bad recipes exit with status 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from studio.cli.main import main
from studio.recipe.steps import StepEnv, register_step


@pytest.fixture
def zero_classifier_step(isolated_step_registry: None) -> None:

    def apply(model: Any, params: dict[str, Any], env: StepEnv) -> Any:
        import copy

        import torch

        from studio.workflows.model_handle import loaded_from_module

        module = copy.deepcopy(model.module)
        last = [m for m in module.modules() if isinstance(m, torch.nn.Linear)][-1]
        with torch.no_grad():
            last.weight.zero_()
            last.bias.zero_()
        return loaded_from_module(module, model.input_shape, name="zeroed")

    register_step("zero-classifier", apply, lambda _p: "zero the classifier")


def test_apply_replays_and_saves(
    zero_classifier_step: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text('model = "demo"\ndata = "digits"\n\n[[steps]]\nkind = "zero-classifier"\n')
    out = tmp_path / "zeroed.onnx"
    assert main(["apply", str(recipe), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == ["zero the classifier"]
    assert summary["accuracy_before"] > 0.9
    assert summary["accuracy_after"] < 0.2  # every logit equal: argmax picks one class
    assert out.exists() and summary["out"] == str(out)


def test_unknown_step_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text('[[steps]]\nkind = "no-such-step"\n')
    assert main(["apply", str(recipe)]) == 2
    assert "unknown recipe step kind 'no-such-step'" in capsys.readouterr().err
