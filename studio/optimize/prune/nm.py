"""N:M semi-structured sparsity (2:4 by default): in every group of M consecutive inputs, N weights stay.

Why along the input dimension: that is how sparse tensor cores and N:M CPU kernels read a weight matrix
(a convolution's kernel positions count as inputs). Layers whose inputs per output are not a multiple of M
(a 1-channel 3x3 stem, a depthwise conv) are skipped with that reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.analysis.sensitivity.masks import n_m_mask
from studio.optimize.prune.config import NMPruning
from studio.optimize.prune.registry import register_method
from studio.optimize.prune.report import LayerPruned, PruneReport
from studio.optimize.prune.targets import kernel_layers

if TYPE_CHECKING:
    import torch
    from torch import nn


@register_method(NMPruning)
def prune_n_m(module: nn.Module, config: NMPruning, example_input: torch.Tensor) -> PruneReport:
    """Apply the N:M mask in place to every kernel layer (or those in ``config.layers``) that allows it."""
    import torch

    kernels = kernel_layers(module)
    names = list(config.layers) if config.layers is not None else kernels
    layers, skipped = [], []
    with torch.no_grad():
        for name in names:
            if name not in kernels:
                skipped.append((name, "no such layer with a weight kernel"))
                continue
            weight = module.get_submodule(name).weight
            inputs = weight[0].numel()
            if inputs % config.m:
                skipped.append((name, f"its {inputs} inputs per output are not a multiple of {config.m}"))
                continue
            weight.mul_(n_m_mask(weight, config.n, config.m))
            layers.append(LayerPruned(name, weight.numel(), weight.numel(), int(torch.count_nonzero(weight))))
    return PruneReport(f"{config.n}:{config.m}", tuple(layers), tuple(skipped))
