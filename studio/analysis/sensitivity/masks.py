"""Pruning masks from weight magnitudes, shared by the scan and the pruning methods so both cut the same weights.

Why exact counts and a stable order: a scan at sparsity 0.5 must predict what applying 50% does, weight for
weight; ``round(s * n)`` weights are removed and ties are broken by position, never by chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def magnitude_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """A 0/1 mask (weight's dtype and shape) keeping the ``1 - sparsity`` largest-magnitude entries."""
    import torch

    n = weight.numel()
    k = round(sparsity * n)
    mask = torch.ones(n, dtype=weight.dtype)
    if k > 0:
        order = torch.argsort(weight.detach().abs().flatten(), stable=True)
        mask[order[:k]] = 0
    return mask.reshape(weight.shape)


def channel_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """A 0/1 mask that zeroes the ``round(sparsity * out_channels)`` output channels of smallest L1 norm."""
    import torch

    channels = weight.shape[0]
    k = min(round(sparsity * channels), channels - 1)  # never remove every channel
    keep = torch.ones(channels, dtype=weight.dtype)
    if k > 0:
        norms = weight.detach().abs().reshape(channels, -1).sum(dim=1)
        keep[torch.argsort(norms, stable=True)[:k]] = 0
    return keep.reshape(-1, *([1] * (weight.dim() - 1))).expand_as(weight).contiguous()


def n_m_mask(weight: torch.Tensor, n: int = 2, m: int = 4) -> torch.Tensor:
    """A mask keeping the ``n`` largest of every ``m`` consecutive weights along the input dimension.

    The input dimension (dim 1, and the kernel positions with it for a convolution) is the one sparse tensor
    cores and N:M kernels group by. Raises ``ValueError`` when that dimension's size is not a multiple of ``m``.
    """
    import torch

    if not 0 < n < m:
        raise ValueError(f"N:M sparsity needs 0 < N < M, got {n}:{m}")
    rows = weight.shape[0]
    flat = weight.detach().reshape(rows, -1)
    if flat.shape[1] % m:
        raise ValueError(f"{flat.shape[1]} inputs per output is not a multiple of {m}")
    groups = flat.abs().reshape(rows, -1, m)
    order = torch.argsort(groups, dim=2, descending=True, stable=True)
    mask = torch.zeros_like(groups)
    mask.scatter_(2, order[:, :, :n], 1.0)
    return mask.reshape(weight.shape).to(weight.dtype)
