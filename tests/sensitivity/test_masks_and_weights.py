"""Masks (exact counts, stable ties) and the no-data weight statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.analysis.sensitivity.masks import channel_mask, magnitude_mask, n_m_mask
from studio.analysis.sensitivity.result import ScanResult
from studio.analysis.sensitivity.weights import weight_stats, weight_stats_of
from tests.sensitivity.nets import SkipNet, seeded


def test_magnitude_mask_removes_exactly_the_smallest_weights() -> None:
    w = torch.tensor([[0.5, -0.1, 0.0], [2.0, -3.0, 0.2]])
    mask = magnitude_mask(w, 0.5)
    assert mask.tolist() == [[1, 0, 0], [1, 1, 0]]
    assert magnitude_mask(w, 0.0).sum() == 6
    big = torch.randn(64, 32, 3, 3, generator=torch.Generator().manual_seed(0))
    assert int((magnitude_mask(big, 0.7) == 0).sum()) == round(0.7 * big.numel())


def test_channel_mask_zeroes_whole_output_channels_by_l1_norm_and_keeps_one() -> None:
    w = torch.ones(4, 2, 3, 3)
    w[1] *= 0.1
    w[3] *= 0.2
    mask = channel_mask(w, 0.5)
    assert mask[:, 0, 0, 0].tolist() == [1, 0, 1, 0]
    assert channel_mask(w, 0.99)[:, 0, 0, 0].sum() == 1


@pytest.mark.parametrize("name", ["sparsity", "channels"])
def test_sorting_once_per_layer_gives_every_level_the_same_weights(name: str) -> None:
    from studio.analysis.sensitivity.perturbation import PerturbationError, make_perturbation

    layer = torch.nn.Conv2d(8, 6, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(6, 8, 3, 3, generator=torch.Generator().manual_seed(3)).round(decimals=1))
    perturbation = make_perturbation(name)  # rounded weights: many ties, broken by position in both paths
    at = perturbation.for_layer(layer)
    for level in (0.0, 0.1, 0.33, 0.5, 0.9):
        assert torch.equal(at(level)["weight"], perturbation.perturbed(layer, level)["weight"])
    with pytest.raises(PerturbationError):
        at(1.0)


def test_two_four_mask_keeps_two_of_every_four_inputs() -> None:
    w = torch.randn(8, 16, generator=torch.Generator().manual_seed(0))
    mask = n_m_mask(w, 2, 4)
    assert mask.reshape(8, 4, 4).sum(dim=2).eq(2).all()
    kept = torch.where(mask > 0, w.abs(), torch.inf).reshape(8, 4, 4).min(dim=2).values
    dropped = torch.where(mask > 0, -torch.inf, w.abs()).reshape(8, 4, 4).max(dim=2).values
    assert (kept >= dropped).all()
    with pytest.raises(ValueError, match="multiple of 4"):
        n_m_mask(torch.randn(3, 6), 2, 4)


def test_weight_stats_count_zeros_and_bin_every_weight() -> None:
    model = seeded(SkipNet())
    with torch.no_grad():
        model.fc.weight[:, :6] = 0
    stats = {s.name: s for s in weight_stats(model)}
    assert list(stats) == ["stem", "conv1", "conv2", "branch", "fc"]  # batch norm has no kernel
    assert stats["fc"].zeros == 30 and stats["fc"].sparsity == pytest.approx(0.5)
    assert sum(stats["conv1"].counts) == stats["conv1"].count == 8 * 8 * 9
    one = weight_stats_of("w", np.array([[-2.0, 1.0]]), bins=4)
    assert one.edges[0] == -2.0 and one.edges[-1] == 2.0 and one.max_abs == 2.0
    assert one.to_dict()["histogram"]["counts"] == [1, 0, 0, 1]


def test_scan_result_round_trips_and_interpolates() -> None:
    data = {
        "perturbation": "sparsity",
        "layers": [{"name": "a", "levels": [0, 0.5], "accuracy": [1.0, 0.5], "loss": [0.1, 0.9], "params": 9}],
        "baseline": {"accuracy": 1.0, "loss": 0.1},
    }
    result = ScanResult.from_dict(data)
    assert result.curve("a").accuracy_at(0.25) == pytest.approx(0.75)
    assert ScanResult.from_dict(result.to_dict()) == result
    assert result.accuracy_matrix().shape == (1, 2)
