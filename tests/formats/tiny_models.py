"""Tiny torch models for the reader tests, importable by name (a pickled full module needs that)."""

from __future__ import annotations

import torch
from torch import nn

INPUT_SHAPE = (1, 1, 8, 8)


class TinyConvNet(nn.Module):
    """Conv(1->4, 3x3) -> BN -> ReLU -> flatten -> Linear(144 -> 3)."""

    def __init__(self, classes: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.fc = nn.Linear(4 * 6 * 6, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))


def tiny_conv_net() -> TinyConvNet:
    """A seeded TinyConvNet in eval mode."""
    torch.manual_seed(0)
    return TinyConvNet().eval()


class WritesMarker:
    """Unpickling this object opens (creates) ``marker``: the shape of every pickle exploit."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.marker, "w"))
