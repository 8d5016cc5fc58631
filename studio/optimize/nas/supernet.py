"""The weight-sharing supernet of a :class:`~studio.optimize.nas.space.SearchSpace`.

One module holds every subnet; :meth:`Supernet.set_active` chooses which one ``forward`` runs. Inputs must
already be at the active resolution (:func:`images_at` resizes a batch), so the data pipeline decides it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from studio.optimize.nas.arch import SubnetArch, largest_arch, validate_arch
from studio.optimize.nas.elastic import (
    ElasticBatchNorm2d,
    ElasticConv2d,
    ElasticInvertedResidual,
    ElasticLinear,
)
from studio.optimize.nas.space import SearchSpace


class Supernet(nn.Module):
    """Stem (3x3 conv, BN, ReLU6), elastic inverted residual stages, global pool, linear classifier."""

    def __init__(self, space: SearchSpace, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.space = space
        self.in_channels = int(in_channels)
        self.num_classes = int(num_classes)
        widest = space.max_width
        self.stem = ElasticConv2d(in_channels, space.stem_out(widest), 3, space.stem_stride)
        self.stem_bn = ElasticBatchNorm2d(space.stem_out(widest))
        self.stages = nn.ModuleList()
        for s, stage in enumerate(space.stages):
            blocks = nn.ModuleList(
                ElasticInvertedResidual(
                    space.block_in(s, b, widest),
                    space.stage_out(s, widest),
                    space.block_stride(s, b),
                    space.kernel_sizes,
                    space.expand_ratios[-1],
                )
                for b in range(stage.max_depth)
            )
            self.stages.append(blocks)
        self.classifier = ElasticLinear(space.stage_out(len(space.stages) - 1, widest), num_classes)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        self.active = largest_arch(space)

    def set_active(self, arch: SubnetArch) -> None:
        """Run ``arch`` from now on; raises :class:`SearchSpaceError` when it is not in the space."""
        self.active = validate_arch(self.space, arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        arch = self.active
        space = self.space
        h = F.relu6(self.stem_bn(self.stem(x, space.stem_out(arch.width))))
        for s, blocks in enumerate(self.stages):
            out = space.stage_out(s, arch.width)
            for b in range(arch.depths[s]):
                h = blocks[b](h, out, arch.kernels[s][b], arch.expands[s][b])
        h = torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)
        return self.classifier(h)

    def sort_channels(self) -> None:
        """Sort every block's hidden channels by importance (before the elastic-expand phase)."""
        for blocks in self.stages:
            for block in blocks:
                block.sort_hidden_channels()


def images_at(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """A batch ``N,C,H,W`` resized (bilinear) to ``resolution`` x ``resolution``; the same tensor if it fits.

    Training and evaluation both derive smaller resolutions from the largest one through this function, so a
    subnet sees the same pixels in both.
    """
    if x.shape[-1] == resolution and x.shape[-2] == resolution:
        return x
    return F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
