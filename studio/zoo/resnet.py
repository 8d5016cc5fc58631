"""Residual networks (He et al., 2015): ResNet-18 and ResNet-50 for ImageNet, ResNet-20 for CIFAR.

Why these names and shapes: module and parameter names match torchvision's (``conv1``, ``layer1.0.bn2``,
``downsample.0``, ``fc``), so a torchvision state_dict loads into these classes unchanged, and the parameter
counts are the published ones (11,689,512 and 25,557,032 for 1000 classes). ResNet-20 uses 1x1 convolution
shortcuts (option B) rather than zero padding, so channel pruning sees ordinary conv/BN dependencies.

This module imports torch at the top: :mod:`studio.zoo.builtin` imports it only when a ResNet is built.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv3x3(inp: int, out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inp, out, kernel_size=3, stride=stride, padding=1, bias=False)


def _shortcut(inp: int, out: int, stride: int) -> nn.Sequential | None:
    if stride == 1 and inp == out:
        return None
    return nn.Sequential(nn.Conv2d(inp, out, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(out))


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/20)."""

    expansion = 1

    def __init__(self, inp: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inp, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _shortcut(inp, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided, as in torchvision's "ResNet v1.5"), 1x1 expand by 4 (ResNet-50)."""

    expansion = 4

    def __init__(self, inp: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inp, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(inp, out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _stage(block: type[BasicBlock | Bottleneck], inp: int, planes: int, blocks: int, stride: int) -> nn.Sequential:
    layers = [block(inp, planes, stride)]
    layers += [block(planes * block.expansion, planes) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def _init_weights(model: nn.Module) -> None:
    # torchvision's initialisation, so a freshly built model trains like theirs.
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class ResNet(nn.Module):
    """ImageNet ResNet: 7x7 stem with max pool, four stages (64..512 planes), global pool, linear."""

    def __init__(
        self, block: type[BasicBlock | Bottleneck], blocks: list[int], num_classes: int, in_channels: int
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inp = 64
        for index, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
            stage = _stage(block, inp, planes, count, stride=1 if index == 0 else 2)
            setattr(self, f"layer{index + 1}", stage)
            inp = planes * block.expansion
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inp, num_classes)
        _init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class CifarResNet(nn.Module):
    """CIFAR ResNet-(6n+2): 3x3 stem, 3 stages of n basic blocks (16/32/64 planes), global pool, linear."""

    def __init__(self, blocks_per_stage: int, num_classes: int, in_channels: int) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = _stage(BasicBlock, 16, 16, blocks_per_stage, stride=1)
        self.layer2 = _stage(BasicBlock, 16, 32, blocks_per_stage, stride=2)
        self.layer3 = _stage(BasicBlock, 32, 64, blocks_per_stage, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        _init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_resnet18(num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-18: basic blocks [2, 2, 2, 2]; 11,689,512 parameters for 1000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, in_channels)


def build_resnet50(num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-50: bottlenecks [3, 4, 6, 3]; 25,557,032 parameters and ~4.1 GMACs at 224x224."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, in_channels)


def build_resnet20(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-20 for 32x32 images: three stages of three basic blocks; ~0.27M parameters."""
    return CifarResNet(3, num_classes, in_channels)
