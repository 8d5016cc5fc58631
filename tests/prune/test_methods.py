"""Pruning methods on tiny models: exact sparsity, real channel removal through skips, reasons for skips."""

from __future__ import annotations

import pytest
import torch

from studio.optimize.prune.config import (
    ChannelPruning,
    MagnitudePruning,
    NMPruning,
    PruneConfigError,
    config_from_method,
    from_params,
    to_params,
)
from studio.optimize.prune.registry import prune_module
from tests.sensitivity.nets import SkipNet, seeded

X = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))


def _zeros(module: torch.nn.Module, name: str) -> float:
    w = module.get_submodule(name).weight
    return float((w == 0).sum()) / w.numel()


def test_magnitude_prunes_each_layer_to_its_sparsity_and_leaves_the_original() -> None:
    model = seeded(SkipNet())
    pruned, report = prune_module(model, MagnitudePruning(sparsities={"conv1": 0.5, "fc": 0.25}), X[:1])
    assert _zeros(pruned, "conv1") == pytest.approx(0.5, abs=1 / 576)
    assert _zeros(pruned, "fc") == pytest.approx(0.25, abs=1 / 60)
    assert _zeros(pruned, "stem") == 0 and _zeros(model, "conv1") == 0
    assert {la.name for la in report.layers} == {"conv1", "fc"}
    assert pruned(X).shape == (4, 5)


def test_uniform_magnitude_covers_every_kernel_and_reports_unknown_layers() -> None:
    _, report = prune_module(seeded(SkipNet()), MagnitudePruning(sparsity=0.6), X[:1])
    assert len(report.layers) == 5 and report.sparsity == pytest.approx(0.6, abs=0.01)
    _, report = prune_module(seeded(SkipNet()), MagnitudePruning(sparsities={"nope": 0.5, "bn": 0.5}), X[:1])
    assert dict(report.skipped) == {"nope": "no such layer in the model", "bn": "it has no weight kernel to prune"}


def test_channel_pruning_removes_channels_through_residual_concat_and_group_conv() -> None:
    model = seeded(SkipNet())
    pruned, report = prune_module(model, ChannelPruning(sparsity=0.5), X[:1])
    assert pruned.stem.out_channels == 4 and pruned.bn.num_features == 4
    assert pruned.conv2.out_channels == 4 and pruned.conv2.groups == 2  # the add forces conv2 to match stem
    assert pruned.fc.in_features == pruned.branch.out_channels + 4  # the concat was followed
    assert pruned.fc.out_features == 5
    assert ("fc", "its outputs are the model's outputs (the classes)") in report.skipped
    assert sum(p.numel() for p in pruned.parameters()) < 0.5 * sum(p.numel() for p in model.parameters())
    assert pruned(X).shape == (4, 5)
    assert model.stem.out_channels == 8  # original untouched


def test_channel_pruning_of_an_exported_program_lists_every_layer_with_a_reason() -> None:
    exported = torch.export.export(seeded(SkipNet()), (X[:1],), strict=False).module()
    _, report = prune_module(exported, ChannelPruning(sparsity=0.5), X[:1])
    assert not report.layers and len(report.skipped) == 5
    assert all("exported program" in reason for _, reason in report.skipped)


def test_two_four_keeps_two_of_four_and_skips_layers_that_do_not_divide() -> None:
    pruned, report = prune_module(seeded(SkipNet()), NMPruning(), X[:1])
    skipped = dict(report.skipped)
    assert skipped == {"stem": "its 27 inputs per output are not a multiple of 4"}  # a 3-channel 3x3 stem
    for layer in report.layers:
        w = pruned.get_submodule(layer.name).weight.reshape(layer.params_before // 4, 4)
        assert (w != 0).sum(dim=1).le(2).all()
    assert report.method == "2:4"
    assert {la.name for la in report.layers} | set(skipped) == {"stem", "conv1", "conv2", "branch", "fc"}


def test_configs_round_trip_and_bad_values_are_one_line_errors() -> None:
    for config in (MagnitudePruning(0.3, {"fc": 0.5}), ChannelPruning(0.25), NMPruning(1, 4)):
        assert from_params(to_params(config)) == config
    assert config_from_method("2:4") == NMPruning(2, 4)
    assert from_params({"method": "2:4"}) == NMPruning(2, 4)
    with pytest.raises(PruneConfigError, match="below 1"):
        MagnitudePruning(1.0)
    with pytest.raises(PruneConfigError, match="unknown pruning method"):
        config_from_method("lottery")
    with pytest.raises(PruneConfigError, match="no option"):
        from_params({"method": "magnitude", "sparsty": 0.5})
