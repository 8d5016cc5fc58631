"""Recipe files round-trip, bad recipes give one-line errors, and replay applies registered steps in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.recipe.replay import replay_steps
from studio.recipe.steps import RecipeError, StepEnv, describe_step, register_step
from studio.recipe.toml_format import Recipe, dump_recipe, load_recipe, parse_recipe, save_recipe


def test_dump_and_parse_round_trip() -> None:
    recipe = Recipe(
        steps=[
            {"kind": "prune", "method": "magnitude", "sparsity": 0.5, "layers": ["conv1", "fc"]},
            {"kind": "quantize", "bits": 8, "per_channel": True, "name": 'odd "quoted" name', "ranges": {"a": 1}},
        ],
        model="demo",
        data="digits",
    )
    again = parse_recipe(dump_recipe(recipe))
    assert again == recipe


def test_save_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    save_recipe(Recipe(steps=[{"kind": "prune", "sparsity": 0.25}]), path)
    assert load_recipe(path).steps == [{"kind": "prune", "sparsity": 0.25}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps = 3", "array of tables"),
        ("[[steps]]\nsparsity = 0.5", "no 'kind'"),
        ("format_version = 99", "newer"),
        ("steps = [[[", "not valid TOML"),
        ("model = 3", "'model' must be a string"),
    ],
)
def test_bad_recipes_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        parse_recipe(text)


def test_missing_file_is_a_recipe_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="cannot read recipe"):
        load_recipe(tmp_path / "nope.toml")


@pytest.fixture
def scale_step(isolated_step_registry: None) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def apply(model: Any, params: dict[str, Any], env: StepEnv) -> Any:
        calls.append({"params": params, "data": env.data})
        return {"value": model["value"] * params["factor"]}

    register_step("scale", apply, lambda p: f"scale by {p['factor']}")
    register_step("needs-data", apply, needs_data=True)
    return calls


def test_replay_applies_steps_in_order_without_mutating(scale_step: list[dict[str, Any]]) -> None:
    model = {"value": 3}
    out = replay_steps(model, [{"kind": "scale", "factor": 2}, {"kind": "scale", "factor": 5}], data="digits")  # type: ignore[arg-type]
    assert out == {"value": 30}
    assert model == {"value": 3}
    assert [c["params"]["factor"] for c in scale_step] == [2, 5]
    assert describe_step({"kind": "scale", "factor": 2}) == "scale by 2"


def test_unknown_kind_fails_before_any_step_runs(scale_step: list[dict[str, Any]]) -> None:
    with pytest.raises(RecipeError, match="unknown recipe step kind 'typo'"):
        replay_steps({"value": 1}, [{"kind": "scale", "factor": 2}, {"kind": "typo"}])  # type: ignore[arg-type]
    assert scale_step == []


def test_step_that_needs_data_says_so(scale_step: list[dict[str, Any]]) -> None:
    with pytest.raises(RecipeError, match="needs a data set"):
        replay_steps({"value": 1}, [{"kind": "needs-data", "factor": 2}])  # type: ignore[arg-type]
