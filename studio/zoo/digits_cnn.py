"""The demo CNN: three small convolutions and one linear layer for 1x8x8 digit images (about 20k parameters).

Why this shape: it trains to ~98% on scikit-learn's digits in seconds on two CPU cores, it has every layer
kind the studio's passes care about (conv + batch norm to fold, ReLU, pooling, linear), and it stays small
enough for the smallest microcontroller boards.
"""

from __future__ import annotations

from torch import nn


def build_digits_cnn(num_classes: int = 10, in_channels: int = 1, width: int = 16) -> nn.Sequential:
    """Conv(width)-Conv(2*width)-pool-Conv(2*width)-Linear for ``in_channels`` x8x8 inputs.

    No adaptive pooling before the classifier: every op maps one to one onto an int8 MCU kernel, at the price
    of accepting only 8x8 images (the data adapter resizes others).
    """
    wide = 2 * width
    return nn.Sequential(
        nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),
        nn.Conv2d(width, wide, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(wide),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(wide, wide, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(wide),
        nn.ReLU(inplace=True),
        nn.Flatten(),
        nn.Linear(wide * 4 * 4, num_classes),
    )
