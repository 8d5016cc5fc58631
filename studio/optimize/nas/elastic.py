"""Weight-sharing layers: each holds the weights of its widest, largest setting and runs a slice of them.

Why slices of one tensor: a subnet's channels are the first ``c`` channels of the supernet's, so every subnet
trains the same weights (once-for-all, Cai et al. 2020). A smaller depthwise kernel is the centre of the larger
one passed through a learned linear transform per size step (OFA's kernel transformation), so a 3x3 kernel is
not forced to equal the middle of the 7x7 one. Batch-norm statistics are sliced the same way; they are
recalibrated per subnet before it is evaluated (:mod:`studio.optimize.nas.trial_eval`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ElasticConv2d(nn.Module):
    """A dense convolution whose output (and input) channels are the first ``out``/``in`` of its weight."""

    def __init__(self, max_in: int, max_out: int, kernel_size: int = 1, stride: int = 1) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(max_out, max_in, kernel_size, kernel_size))
        self.stride = stride
        self.padding = kernel_size // 2
        nn.init.kaiming_normal_(self.weight, mode="fan_out")

    def active_weight(self, in_channels: int, out_channels: int) -> torch.Tensor:
        return self.weight[:out_channels, :in_channels]

    def forward(self, x: torch.Tensor, out_channels: int) -> torch.Tensor:
        w = self.active_weight(x.shape[1], out_channels)
        return F.conv2d(x, w, None, self.stride, self.padding)


class ElasticDepthwiseConv2d(nn.Module):
    """A depthwise convolution with an elastic kernel size (centre crops plus per-step transforms)."""

    def __init__(self, max_channels: int, kernel_sizes: tuple[int, ...], stride: int = 1) -> None:
        super().__init__()
        self.kernel_sizes = tuple(sorted(kernel_sizes))
        self.max_kernel = self.kernel_sizes[-1]
        self.stride = stride
        self.weight = nn.Parameter(torch.empty(max_channels, 1, self.max_kernel, self.max_kernel))
        nn.init.kaiming_normal_(self.weight, mode="fan_out")
        # One transform per step down (7->5, 5->3), shared by all channels, starting as the identity.
        self.transforms = nn.ParameterDict(
            {
                f"{big}to{small}": nn.Parameter(torch.eye(small * small))
                for big, small in zip(self.kernel_sizes[1:], self.kernel_sizes[:-1], strict=True)
            }
        )

    def active_weight(self, channels: int, kernel_size: int) -> torch.Tensor:
        """The ``channels x 1 x k x k`` kernel a subnet with this kernel size uses."""
        w = self.weight[:channels]
        current = self.max_kernel
        for small in reversed(self.kernel_sizes[:-1]):
            if small < kernel_size:
                break
            start = (current - small) // 2
            w = w[:, :, start : start + small, start : start + small]
            w = F.linear(w.reshape(channels, small * small), self.transforms[f"{current}to{small}"])
            w = w.reshape(channels, 1, small, small)
            current = small
        return w

    def forward(self, x: torch.Tensor, kernel_size: int) -> torch.Tensor:
        channels = x.shape[1]
        w = self.active_weight(channels, kernel_size)
        return F.conv2d(x, w, None, self.stride, kernel_size // 2, groups=channels)


class ElasticBatchNorm2d(nn.BatchNorm2d):
    """Batch norm over the first ``C`` channels of its parameters and running statistics (``C`` from the input)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        if c == self.num_features:
            return super().forward(x)
        training = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.momentum is None:
            self.num_batches_tracked += 1
            momentum = 1.0 / float(self.num_batches_tracked)
        # Slices are views: batch_norm updates the shared running statistics in place.
        return F.batch_norm(
            x,
            self.running_mean[:c] if self.track_running_stats else None,
            self.running_var[:c] if self.track_running_stats else None,
            self.weight[:c],
            self.bias[:c],
            training,
            momentum,
            self.eps,
        )


class ElasticLinear(nn.Module):
    """A linear layer whose input features are the first ``in`` of its weight (the classifier head)."""

    def __init__(self, max_in: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, max_in))
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.normal_(self.weight, 0, 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight[:, : x.shape[1]], self.bias)


class ElasticInvertedResidual(nn.Module):
    """1x1 expand, kxk depthwise, 1x1 project (MobileNetV2's block) with elastic width, kernel and expand.

    As in :class:`studio.zoo.mobilenetv2.InvertedResidual`: an expand ratio of 1 skips the expand layer, and
    the block adds its input back when stride is 1 and input and output channels match.
    """

    def __init__(self, max_in: int, max_out: int, stride: int, kernel_sizes: tuple[int, ...], max_expand: int) -> None:
        super().__init__()
        max_hidden = max_in * max_expand
        self.stride = stride
        self.expand = ElasticConv2d(max_in, max_hidden)
        self.expand_bn = ElasticBatchNorm2d(max_hidden)
        self.depthwise = ElasticDepthwiseConv2d(max_hidden, kernel_sizes, stride)
        self.depthwise_bn = ElasticBatchNorm2d(max_hidden)
        self.project = ElasticConv2d(max_hidden, max_out)
        self.project_bn = ElasticBatchNorm2d(max_out)

    def forward(self, x: torch.Tensor, out_channels: int, kernel_size: int, expand_ratio: int) -> torch.Tensor:
        in_channels = x.shape[1]
        h = x
        if expand_ratio != 1:
            h = F.relu6(self.expand_bn(self.expand(x, in_channels * expand_ratio)))
        h = F.relu6(self.depthwise_bn(self.depthwise(h, kernel_size)))
        y = self.project_bn(self.project(h, out_channels))
        if self.stride == 1 and in_channels == out_channels:
            y = y + x
        return y

    def sort_hidden_channels(self) -> None:
        """Reorder hidden channels by importance (L1 of the project weights), most important first.

        Why: before expand ratios become elastic, OFA sorts channels so a small expand ratio keeps the
        channels that matter most. The permutation is applied to every tensor that indexes hidden channels,
        so the widest subnet computes exactly the same function afterwards.
        """
        with torch.no_grad():
            importance = self.project.weight.abs().sum(dim=(0, 2, 3))
            order = torch.argsort(importance, descending=True)
            self.project.weight.copy_(self.project.weight[:, order])
            self.depthwise.weight.copy_(self.depthwise.weight[order])
            for bn in (self.depthwise_bn, self.expand_bn):
                bn.weight.copy_(bn.weight[order])
                bn.bias.copy_(bn.bias[order])
                bn.running_mean.copy_(bn.running_mean[order])
                bn.running_var.copy_(bn.running_var[order])
            self.expand.weight.copy_(self.expand.weight[order])
