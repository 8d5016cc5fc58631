"""An MCUNet-style network (Lin et al., 2020): a small inverted-residual net with mixed 3/5/7 kernels.

Why "style": MCUNet's published backbones come out of a search per device; this is one fixed backbone of that
family (mixed kernel sizes and expand ratios, no 1280-channel head), sized for 96x96 visual-wake-words style
inputs at width 1.0 and ~0.5M parameters, so it fits a microcontroller at int8. ``resolution`` matters only
below 64 pixels: there the stem keeps full resolution, so a 32x32 input is not pooled away too early.
"""

from __future__ import annotations

import torch
from torch import nn

from studio.zoo.mobilenetv2 import ConvBNReLU, InvertedResidual, init_mobile_weights, make_divisible

# (expand ratio, output channels, repeats, first stride, kernel size)
MCUNET_SETTINGS: list[tuple[int, int, int, int, int]] = [
    (1, 8, 1, 1, 3),
    (3, 16, 2, 2, 5),
    (3, 24, 2, 2, 7),
    (4, 40, 3, 2, 5),
    (4, 48, 2, 1, 3),
    (5, 96, 3, 2, 5),
    (6, 160, 1, 1, 3),
]


class MCUNet(nn.Module):
    """Stem, inverted residual stages from :data:`MCUNET_SETTINGS`, global pool, linear classifier."""

    def __init__(self, num_classes: int, in_channels: int, width_mult: float, resolution: int) -> None:
        super().__init__()
        channels = make_divisible(16 * width_mult)
        stem_stride = 1 if resolution < 64 else 2
        features: list[nn.Module] = [ConvBNReLU(in_channels, channels, stride=stem_stride)]
        for t, c, n, s, k in MCUNET_SETTINGS:
            out = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(channels, out, s if i == 0 else 1, t, kernel_size=k))
                channels = out
        self.features = nn.Sequential(*features)
        self.classifier = nn.Linear(channels, num_classes)
        init_mobile_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def build_mcunet(num_classes: int = 10, in_channels: int = 3, width_mult: float = 1.0, resolution: int = 96) -> MCUNet:
    """An MCUNet-style net for ``in_channels`` x ``resolution`` x ``resolution`` inputs (any size works)."""
    if width_mult <= 0 or resolution <= 0:
        raise ValueError(f"width_mult and resolution must be positive, got {width_mult} and {resolution}")
    return MCUNet(num_classes, in_channels, width_mult, resolution)
