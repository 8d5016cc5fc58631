"""LeNet-5 (LeCun et al., 1998) in its common modern form: two 5x5 convolutions, three linear layers.

Why it is here: the smallest classic CNN, the usual first model on a microcontroller and a quick check that
every reader and pass handles conv, pool and linear layers.
"""

from __future__ import annotations

from torch import nn


def build_lenet(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """A LeNet-5 for ``in_channels`` x32x32 images (larger inputs work: the last map is pooled to 5x5)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(5),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.ReLU(inplace=True),
        nn.Linear(120, 84),
        nn.ReLU(inplace=True),
        nn.Linear(84, num_classes),
    )
