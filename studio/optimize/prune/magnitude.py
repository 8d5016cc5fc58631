"""Fine-grained magnitude pruning: per layer, the smallest |w| become exactly zero.

The zeros are the mask: fine-tuning (:mod:`studio.train.finetune`) keeps every zero weight of a pruned
layer at zero, so the sparsity survives training and a saved model carries it with no extra file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.analysis.sensitivity.masks import magnitude_mask
from studio.optimize.prune.config import MagnitudePruning
from studio.optimize.prune.registry import register_method
from studio.optimize.prune.report import LayerPruned, PruneReport
from studio.optimize.prune.targets import layer_sparsities

if TYPE_CHECKING:
    import torch
    from torch import nn


@register_method(MagnitudePruning)
def prune_magnitude(module: nn.Module, config: MagnitudePruning, example_input: torch.Tensor) -> PruneReport:
    """Zero the smallest-magnitude weights of each target layer in place (see :func:`magnitude_mask`)."""
    import torch

    targets, skipped = layer_sparsities(module, config)
    layers = []
    with torch.no_grad():
        for name, sparsity in targets.items():
            weight = module.get_submodule(name).weight
            weight.mul_(magnitude_mask(weight, sparsity))
            nonzero = int(torch.count_nonzero(weight))
            layers.append(LayerPruned(name, weight.numel(), weight.numel(), nonzero))
    return PruneReport(config.method, tuple(layers), tuple(skipped))
