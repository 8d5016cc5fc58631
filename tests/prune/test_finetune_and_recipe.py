"""Masked fine-tuning, the prune/finetune recipe steps and the workflow calls the GUI and CLI share."""

from __future__ import annotations

import pytest
import torch

from studio.recipe.replay import replay_steps
from studio.recipe.steps import RecipeError, describe_step, known_kinds
from studio.recipe.toml_format import Recipe, dump_recipe, parse_recipe
from studio.train.finetune import FinetuneConfig, finetune, parse_metrics_line, sparsity_masks
from studio.workflows.model_handle import loaded_from_module
from studio.workflows.prune import compare_loaded, kernel_sparsity, model_summary, prune_loaded
from tests.sensitivity.nets import SkipNet, seeded, self_labelled


def test_finetune_holds_every_zero_and_logs_metrics() -> None:
    model = seeded(SkipNet())
    data = self_labelled(model, n=64)
    from studio.optimize.prune.config import MagnitudePruning
    from studio.optimize.prune.registry import prune_module

    pruned, _ = prune_module(model, MagnitudePruning(0.6), torch.zeros(1, 3, 8, 8))
    zeros = {n: (pruned.get_submodule(n).weight == 0) for n in sparsity_masks(pruned)}
    lines: list[str] = []

    class Ctx:
        cancelled = False

        def log(self, line: str) -> None:
            lines.append(line)

        def progress(self, *_a: object) -> None:
            pass

    before = pruned.conv1.weight.clone()
    report = finetune(pruned, data, data, FinetuneConfig(epochs=2, learning_rate=1e-2), Ctx())
    assert not torch.equal(before, pruned.conv1.weight)  # it trained
    for name, was_zero in zeros.items():
        assert (pruned.get_submodule(name).weight[was_zero] == 0).all()
    assert report.sparsity_after == report.sparsity_before == pytest.approx(0.6, abs=0.01)
    rows = [parse_metrics_line(line) for line in lines]
    assert [r["epoch"] for r in rows if r] == [1, 2] and all(0 <= r["accuracy"] <= 1 for r in rows if r)
    assert parse_metrics_line("epoch 1") is None


def _loaded() -> object:
    return loaded_from_module(seeded(SkipNet()), (1, 3, 8, 8), name="skipnet")


def test_prune_steps_replay_from_toml_and_describe_themselves() -> None:
    assert {"prune", "finetune"} <= set(known_kinds())
    steps = [{"kind": "prune", "method": "magnitude", "sparsities": {"conv1": 0.5, "fc": 0.3}}]
    recipe = parse_recipe(dump_recipe(Recipe(steps=steps)))
    assert recipe.steps == steps
    model = _loaded()
    after = replay_steps(model, recipe.steps)
    assert kernel_sparsity(model, after) == pytest.approx((0.5 * 576 + 0.3 * 60) / 1172, abs=0.002)
    assert describe_step(steps[0]) == "Prune (magnitude): 2 layers, 30%–50%"
    assert describe_step({"kind": "prune", "method": "2:4"}) == "Prune (2:4 sparsity)"
    with pytest.raises(RecipeError, match="needs a data set"):
        replay_steps(model, [{"kind": "finetune", "epochs": 1}])


def test_channel_pruned_model_is_smaller_and_compared_before_and_after() -> None:
    model = _loaded()
    pruned, report = prune_loaded(model, {"method": "channel", "sparsity": 0.5})
    before, after = model_summary(model), model_summary(pruned)
    assert after["params"] < before["params"] / 2 and after["macs"] < before["macs"] / 2
    assert report["skipped"][0]["name"] == "fc"
    assert pruned.metadata["pruned_layers"]["stem"] == pytest.approx(0.5)
    table = compare_loaded(model, pruned, None, repeats=2)
    assert table["after"]["latency_ms_batch32"] > 0 and table["after"]["params"] == after["params"]


def test_magnitude_summary_counts_nonzeros_and_sparse_macs() -> None:
    model = _loaded()
    pruned, _ = prune_loaded(model, {"method": "magnitude", "sparsity": 0.5})
    before, after = model_summary(model), model_summary(pruned)
    assert after["params_stored"] == before["params_stored"]
    assert after["params"] < before["params"] and after["macs"] == before["macs"]
    assert after["sparse_macs"] == pytest.approx(before["macs"] / 2, rel=0.15)
    assert after["sparsity"] == pytest.approx(0.5, abs=0.01)
