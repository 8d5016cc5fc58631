"""VGG-11 and VGG-16 (Simonyan & Zisserman, 2014), CIFAR-style: batch norm, global pooling, one linear layer.

Why CIFAR-style: the ImageNet head (three linear layers, 120M parameters) is out of reach of any
microcontroller and dwarfs the convolutions the studio prunes. Global average pooling makes the same network
valid on 32x32 and 224x224 inputs. Layer names follow torchvision (``features.N``, ``classifier``).

This module imports torch at the top: :mod:`studio.zoo.builtin` imports it only when a VGG is built.
"""

from __future__ import annotations

import torch
from torch import nn

# Output channels per 3x3 convolution; "M" is a 2x2 max pool.
CONFIGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class VGG(nn.Module):
    """Convolution stack, global average pool, one linear classifier."""

    def __init__(self, config: list[int | str], num_classes: int, in_channels: int, batch_norm: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for item in config:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            out = int(item)
            layers.append(nn.Conv2d(channels, out, kernel_size=3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU(inplace=True))
            channels = out
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def build_vgg(depth: str = "vgg16", num_classes: int = 10, in_channels: int = 3, batch_norm: bool = True) -> VGG:
    """A VGG of configuration ``depth`` ("vgg11" or "vgg16"); raises ``ValueError`` for another name."""
    try:
        config = CONFIGS[depth]
    except KeyError:
        raise ValueError(f"unknown VGG configuration {depth!r}; known: {', '.join(CONFIGS)}") from None
    return VGG(config, num_classes, in_channels, batch_norm)


def build_vgg11(num_classes: int = 10, in_channels: int = 3, batch_norm: bool = True) -> VGG:
    """VGG-11 (8 convolutions), see :func:`build_vgg`."""
    return build_vgg("vgg11", num_classes, in_channels, batch_norm)


def build_vgg16(num_classes: int = 10, in_channels: int = 3, batch_norm: bool = True) -> VGG:
    """VGG-16 (13 convolutions), see :func:`build_vgg`."""
    return build_vgg("vgg16", num_classes, in_channels, batch_norm)
