"""Pruning masks from weight magnitudes, shared by the scan and the pruning methods so both cut the same weights.

Why exact counts and a stable order: a scan at sparsity 0.5 must predict what applying 50% does, weight for
weight; ``round(s * n)`` weights are removed and ties are broken by position, never by chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def magnitude_order(weight: torch.Tensor) -> torch.Tensor:
    """Flat indices of ``weight`` from the smallest magnitude up (stable: ties by position).

    Why separate: a scan asks for many levels of one layer; the order is sorted once and every level's mask
    is a prefix of it (:func:`mask_from_order`), the same mask :func:`magnitude_mask` gives.
    """
    import torch

    return torch.argsort(weight.detach().abs().flatten(), stable=True)


def mask_from_order(order: torch.Tensor | None, sparsity: float, like: torch.Tensor) -> torch.Tensor:
    """The :func:`magnitude_mask` of ``like`` at ``sparsity``, from its :func:`magnitude_order` (which may be
    ``None`` when nothing is removed)."""
    import torch

    removed = round(sparsity * like.numel())
    mask = torch.ones(like.numel(), dtype=like.dtype)
    if removed > 0:
        assert order is not None
        mask[order[:removed]] = 0
    return mask.reshape(like.shape)


def magnitude_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """A 0/1 mask (weight's dtype and shape) keeping the ``1 - sparsity`` largest-magnitude entries."""
    order = magnitude_order(weight) if round(sparsity * weight.numel()) > 0 else None
    return mask_from_order(order, sparsity, weight)


def channel_order(weight: torch.Tensor) -> torch.Tensor:
    """Output channels of ``weight`` from the smallest L1 norm up (stable)."""
    import torch

    channels = weight.shape[0]
    return torch.argsort(weight.detach().abs().reshape(channels, -1).sum(dim=1), stable=True)


def channel_mask_from_order(order: torch.Tensor, sparsity: float, like: torch.Tensor) -> torch.Tensor:
    """The :func:`channel_mask` of ``like`` at ``sparsity``, from its :func:`channel_order`."""
    import torch

    channels = like.shape[0]
    k = min(round(sparsity * channels), channels - 1)  # never remove every channel
    keep = torch.ones(channels, dtype=like.dtype)
    if k > 0:
        keep[order[:k]] = 0
    return keep.reshape(-1, *([1] * (like.dim() - 1))).expand_as(like).contiguous()


def channel_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """A 0/1 mask that zeroes the ``round(sparsity * out_channels)`` output channels of smallest L1 norm."""
    return channel_mask_from_order(channel_order(weight), sparsity, weight)


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
