"""Which layers a config prunes, at which sparsity, and why the others are left alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.analysis.sensitivity.layers import weight_layers

if TYPE_CHECKING:
    from torch import nn


def kernel_layers(module: nn.Module) -> list[str]:
    """Layers with a weight of two or more dimensions (convolutions, linear layers), in module order."""
    return [n for n in weight_layers(module) if module.get_submodule(n).weight.dim() >= 2]


def layer_sparsities(module: nn.Module, config: Any) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """``(layer -> sparsity, skipped)`` for a config with ``sparsity``, ``sparsities`` and ``layers``.

    With ``sparsities`` the named layers get their own value and nothing else is touched; otherwise every
    kernel layer (or those in ``layers``) gets ``sparsity``. Unknown or kernel-less names are skipped.
    """
    kernels = kernel_layers(module)
    known = set(kernels)
    skipped: list[tuple[str, str]] = []
    if config.sparsities:
        wanted = dict(config.sparsities)
    else:
        names = list(config.layers) if config.layers is not None else kernels
        wanted = {n: config.sparsity for n in names}
    out = {}
    modules = dict(module.named_modules())
    for name, value in wanted.items():
        if name not in known:
            reason = "no such layer in the model" if name not in modules else "it has no weight kernel to prune"
            skipped.append((name, reason))
        elif value > 0:
            out[name] = float(value)
    return out, skipped
