"""Tiny torch modules the analysis tests convert and measure (built in code, never committed as binaries)."""

from __future__ import annotations

import torch
from torch import nn


class SmallConvNet(nn.Module):
    """conv3x3 -> BN -> ReLU -> maxpool -> depthwise conv3x3 -> flatten -> linear, on 1x3x8x8."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(2)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(self.dw(x), 1))


class ResidualConcatNet(nn.Module):
    """A residual block (shared in-place ReLU, add) and a concat branch; no batch norm (ONNX parity)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.branch = nn.Conv2d(8, 4, 1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(12, 5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.stem(x))
        y = self.relu(self.conv2(self.relu(self.conv1(x))) + x)
        return self.head(torch.cat([y, self.branch(y)], dim=1))


def small_input() -> torch.Tensor:
    return torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
