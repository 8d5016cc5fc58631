"""A subnet as a standalone ``nn.Module`` of ordinary layers, and its extraction from a trained supernet.

Why ordinary layers: the extracted model is what the rest of the studio works on (graph view, profile, pruning,
quantization, deploy, ONNX export), so it must be plain ``Conv2d``/``BatchNorm2d``/``Linear`` modules with
MobileNetV2's block layout (:class:`studio.zoo.mobilenetv2.InvertedResidual`), not slices of a supernet.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from studio.optimize.nas.arch import SubnetArch, validate_arch
from studio.optimize.nas.space import SearchSpace
from studio.zoo.mobilenetv2 import ConvBNReLU, InvertedResidual


class SearchedNet(nn.Module):
    """``features`` (stem, then the blocks of every stage in order), global average pool, ``classifier``.

    ``arch_json`` and ``space`` are kept so the model can say what it is (and be rebuilt from a recipe).
    """

    def __init__(self, space: SearchSpace, arch: SubnetArch, in_channels: int, num_classes: int) -> None:
        super().__init__()
        validate_arch(space, arch)
        self.arch_json = arch.to_json()
        self.space_dict: dict[str, Any] = space.to_dict()
        layers: list[nn.Module] = [ConvBNReLU(in_channels, space.stem_out(arch.width), 3, space.stem_stride)]
        for s in range(len(space.stages)):
            for b in range(arch.depths[s]):
                layers.append(
                    InvertedResidual(
                        space.block_in(s, b, arch.width),
                        space.stage_out(s, arch.width),
                        space.block_stride(s, b),
                        arch.expands[s][b],
                        kernel_size=arch.kernels[s][b],
                    )
                )
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(space.stage_out(len(space.stages) - 1, arch.width), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def build_subnet(space: SearchSpace, arch: SubnetArch, in_channels: int, num_classes: int) -> SearchedNet:
    """A freshly initialised (random weights) standalone subnet: a student to train from scratch."""
    from studio.zoo.mobilenetv2 import init_mobile_weights

    net = SearchedNet(space, arch, in_channels, num_classes)
    init_mobile_weights(net)
    return net


def _copy_bn(target: nn.BatchNorm2d, source: nn.BatchNorm2d) -> None:
    c = target.num_features
    target.weight.copy_(source.weight[:c])
    target.bias.copy_(source.bias[:c])
    target.running_mean.copy_(source.running_mean[:c])
    target.running_var.copy_(source.running_var[:c])


def extract_subnet(supernet: Any, arch: SubnetArch) -> SearchedNet:
    """A :class:`SearchedNet` with ``arch``'s weights copied out of ``supernet`` (which is not changed).

    Raises :class:`~studio.optimize.nas.space.SearchSpaceError` when ``arch`` is not in the supernet's space.
    """
    space = supernet.space
    net = SearchedNet(space, arch, supernet.in_channels, supernet.num_classes)
    with torch.no_grad():
        stem = net.features[0]
        stem[0].weight.copy_(supernet.stem.active_weight(supernet.in_channels, stem[0].out_channels))
        _copy_bn(stem[1], supernet.stem_bn)
        index = 1
        for s, blocks in enumerate(supernet.stages):
            for b in range(arch.depths[s]):
                source, target = blocks[b], net.features[index]
                index += 1
                layers = list(target.conv)
                in_c = space.block_in(s, b, arch.width)
                if arch.expands[s][b] != 1:
                    expand = layers.pop(0)
                    expand[0].weight.copy_(source.expand.active_weight(in_c, expand[0].out_channels))
                    _copy_bn(expand[1], source.expand_bn)
                depthwise, project, project_bn = layers
                hidden = depthwise[0].out_channels
                depthwise[0].weight.copy_(source.depthwise.active_weight(hidden, arch.kernels[s][b]))
                _copy_bn(depthwise[1], source.depthwise_bn)
                project.weight.copy_(source.project.active_weight(hidden, project.out_channels))
                _copy_bn(project_bn, source.project_bn)
        net.classifier.weight.copy_(supernet.classifier.weight[:, : net.classifier.in_features])
        net.classifier.bias.copy_(supernet.classifier.bias)
    return net.eval()


def recalibrate_batchnorm(model: nn.Module, images: torch.Tensor, batch_size: int = 128) -> nn.Module:
    """Re-estimate every batch norm's running statistics on ``images`` (the model is changed, then eval).

    Why: the supernet's statistics mix every subnet that was trained; a subnet's own are a few forward passes
    away and make its accuracy meaningful (OFA does the same before evaluating a subnet).
    """
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None  # a cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            model(images[start : start + batch_size])
    for bn in norms:
        bn.momentum = 0.1
    return model.eval()
