"""Tiny models and data sets for the scan and pruning tests, built in code (seeded)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from studio.data.datasets import Dataset


class SkipNet(nn.Module):
    """Residual add (in place, as user code often writes it), a concatenation and a grouped conv on 3x8x8."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.relu = nn.ReLU(inplace=True)
        self.branch = nn.Conv2d(8, 4, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.stem(x)))
        y = self.conv2(self.relu(self.conv1(x)))
        y += x
        y = self.relu(y)
        z = torch.cat([y, self.branch(y)], dim=1)
        return self.fc(torch.flatten(self.pool(z), 1))


class BranchyNet(nn.Module):
    """Data-dependent control flow: fx cannot trace it, so scans must fall back to full evaluation."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(6 * 64, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        if h.sum() > 1e9:  # never true, but fx cannot know
            h = h * 0
        return self.fc(torch.flatten(h, 1))


def seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    for p in model.parameters():
        nn.init.normal_(p, std=0.3)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def self_labelled(model: nn.Module, n: int = 96, shape: tuple[int, ...] = (3, 8, 8), seed: int = 1) -> Dataset:
    """Random images labelled by the model's own dense predictions (so dense accuracy is 1.0)."""
    x = np.random.default_rng(seed).standard_normal((n, *shape)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).argmax(1).numpy()
    return Dataset(x, y, tuple(str(i) for i in range(5)), "synthetic")
