"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks with linear bottlenecks.

Why torchvision's layout: parameter names (``features.N.conv.M``, ``classifier.1``) and counts match
torchvision's ``mobilenet_v2`` (3,504,872 parameters at width 1.0 and 1000 classes), so its state_dicts load
unchanged. :class:`InvertedResidual` takes a kernel size too, which :mod:`studio.zoo.mcunet` reuses.

This module imports torch at the top: :mod:`studio.zoo.builtin` imports it only when a network is built.
"""

from __future__ import annotations

import torch
from torch import nn

# (expand ratio t, output channels c, repeats n, first stride s), from the paper's Table 2.
MOBILENETV2_SETTINGS: list[tuple[int, int, int, int]] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, losing at most 10% (as TensorFlow's MobileNet)."""
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


class ConvBNReLU(nn.Sequential):
    """Convolution, batch norm, ReLU6: torchvision's ``Conv2dNormActivation`` (indices 0, 1, 2)."""

    def __init__(self, inp: int, out: int, kernel_size: int = 3, stride: int = 1, groups: int = 1) -> None:
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(inp, out, kernel_size, stride, padding, groups=groups, bias=False),
            nn.BatchNorm2d(out),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    """1x1 expand (none if ``expand_ratio`` is 1), depthwise kxk, 1x1 projection; residual if shapes match.

    Parameter names match torchvision's ``InvertedResidual`` (``conv.0.0``, ``conv.1``, ...).
    """

    def __init__(self, inp: int, out: int, stride: int, expand_ratio: int, kernel_size: int = 3) -> None:
        super().__init__()
        hidden = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == out
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden, kernel_size=1))
        layers += [
            ConvBNReLU(hidden, hidden, kernel_size=kernel_size, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out, 1, 1, 0, bias=False),
            nn.BatchNorm2d(out),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


def init_mobile_weights(model: nn.Module) -> None:
    """torchvision's MobileNet initialisation, so a fresh model trains like theirs."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)


class MobileNetV2(nn.Module):
    """Stem, 17 inverted residual blocks, 1x1 conv to ``last_channel``, global pool, dropout, linear."""

    def __init__(
        self, num_classes: int = 1000, width_mult: float = 1.0, in_channels: int = 3, dropout: float = 0.2
    ) -> None:
        super().__init__()
        channels = make_divisible(32 * width_mult)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult))
        features: list[nn.Module] = [ConvBNReLU(in_channels, channels, stride=2)]
        for t, c, n, s in MOBILENETV2_SETTINGS:
            out = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(channels, out, s if i == 0 else 1, expand_ratio=t))
                channels = out
        features.append(ConvBNReLU(channels, self.last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.last_channel, num_classes))
        init_mobile_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def build_mobilenetv2(num_classes: int = 1000, width_mult: float = 1.0, in_channels: int = 3) -> MobileNetV2:
    """MobileNetV2 at ``width_mult`` (0.35 .. 1.4 are the published widths)."""
    if width_mult <= 0:
        raise ValueError(f"width_mult must be positive, got {width_mult}")
    return MobileNetV2(num_classes=num_classes, width_mult=width_mult, in_channels=in_channels)
