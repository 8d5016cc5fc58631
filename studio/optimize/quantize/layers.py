"""The weighted layers of a :class:`~studio.optimize.quantize.sim_model.QuantSimModel`, one per way of storing
weights: float, uniform (linear) fake quantization, and k-means shared values (Deep Compression).

Each layer holds its folded conv/linear weight and bias, runs its op with the weight it would have after
quantization, and says how many bytes its weights take as stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from studio.int8.float_graph import FloatOp, run_op
from studio.optimize.quantize.qparams import check_bits, code_range, fake_quant_per_channel, weight_qparams

FLOAT_BITS = 32


def _meta(op: FloatOp) -> FloatOp:
    """The op without its tensors (the layer's parameters hold them)."""
    return FloatOp(op.kind, op.name, op.inputs, op.output, dict(op.attrs), None, None, op.activation, op.modules)


class QuantLayer(nn.Module):
    """A conv or linear layer with a float weight: the base of the quantized kinds."""

    method = "float"

    def __init__(self, op: FloatOp, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        self.op = _meta(op)
        out = weight.shape[0]
        self.bias = nn.Parameter(bias.detach().clone() if bias is not None else torch.zeros(out))
        self.bits = FLOAT_BITS

    @property
    def out_channels(self) -> int:
        return int(self.bias.numel())

    def effective_weight(self) -> torch.Tensor:
        """The real-valued weight the layer computes with (before fake quantization)."""
        raise NotImplementedError

    def quantized_weight(self) -> torch.Tensor:
        """The weight as the quantized model sees it."""
        return self.effective_weight()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_op(self.op, [x], self.quantized_weight(), self.bias)

    @property
    def weight_count(self) -> int:
        return int(self.effective_weight().numel())

    def storage_bytes(self) -> int:
        """Bytes of this layer's weights and bias as stored (float32 here)."""
        return 4 * (self.weight_count + self.out_channels)

    def describe(self) -> dict[str, Any]:
        """A row of the layer table: name, op kind, method, bits, weights, bytes as stored."""
        return {
            "layer": self.op.name,
            "kind": self.op.kind,
            "method": self.method,
            "bits": self.bits,
            "params": self.weight_count,
            "bytes": self.storage_bytes(),
        }


class FloatLayer(QuantLayer):
    """Weights kept in float32 (a layer excluded from quantization)."""

    def __init__(self, op: FloatOp, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__(op, weight, bias)
        self.weight = nn.Parameter(weight.detach().clone())

    def effective_weight(self) -> torch.Tensor:
        return self.weight


class UniformQuantLayer(FloatLayer):
    """Linear quantization of the weight to ``bits``: per output channel or per tensor, symmetric or not.

    The grid follows the weight: it is recomputed from the current weight in training mode (QAT) and frozen
    in eval mode, so tracing and export see constants. The straight-through estimator passes gradients.
    """

    method = "linear"

    def __init__(
        self,
        op: FloatOp,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        bits: int,
        per_channel: bool = True,
        symmetric: bool = True,
        range_method: str = "minmax",
    ) -> None:
        super().__init__(op, weight, bias)
        self.bits = check_bits(bits, op.name)
        self.per_channel = per_channel
        self.symmetric = symmetric
        self.range_method = range_method
        self.qmin, self.qmax = code_range(self.bits, symmetric)
        self.register_buffer("w_scale", torch.ones(self.out_channels))
        self.register_buffer("w_zero", torch.zeros(self.out_channels, dtype=torch.int32))
        self.refresh_grid()

    def refresh_grid(self) -> None:
        """Recompute scale and zero point from the current weight."""
        q = weight_qparams(
            self.weight.detach().cpu().numpy(), self.bits, self.per_channel, self.symmetric, self.range_method
        )
        self.w_scale.copy_(torch.from_numpy(q.scale.astype(np.float32)))
        self.w_zero.copy_(torch.from_numpy(q.zero_point.astype(np.int32)))

    def _follow_weight(self) -> None:
        # During QAT a min-max grid tracks the weights (cheaply, in torch, the same formula as
        # affine_from_range); an MSE-clipped grid stays the calibrated one until refresh_grid().
        if self.range_method != "minmax":
            return
        with torch.no_grad():
            w = self.weight.detach()
            flat = w.reshape(len(w), -1) if self.per_channel else w.reshape(1, -1)
            lo = torch.clamp(flat.min(dim=1).values, max=0.0)
            hi = torch.clamp(flat.max(dim=1).values, min=0.0)
            if self.symmetric:
                scale = torch.maximum(lo.abs(), hi) / self.qmax
                zero = torch.zeros_like(scale)
            else:
                scale = (hi - lo) / (self.qmax - self.qmin)
            scale = torch.where(scale > 0, scale, torch.full_like(scale, 1e-8))
            if not self.symmetric:
                zero = torch.clamp(torch.floor(self.qmin - lo / scale + 0.5), self.qmin, self.qmax)
            self.w_scale.copy_(scale.expand(self.out_channels))
            self.w_zero.copy_(zero.expand(self.out_channels))

    def quantized_weight(self) -> torch.Tensor:
        if self.training:
            self._follow_weight()
        return fake_quant_per_channel(self.weight, self.w_scale, self.w_zero, self.qmin, self.qmax)

    def integer_weight(self) -> np.ndarray:
        """The weight's integer codes (what a device stores)."""
        shape = (-1,) + (1,) * (self.weight.dim() - 1)
        w = self.weight.detach().numpy().astype(np.float64)
        scale = self.w_scale.numpy().astype(np.float64).reshape(shape)
        zero = self.w_zero.numpy().astype(np.float64).reshape(shape)
        return np.clip(np.rint(w / scale) + zero, self.qmin, self.qmax).astype(np.int32)

    def storage_bytes(self) -> int:
        # codes at `bits`, one float32 scale per grid (+ one int8 zero point when asymmetric), int32 bias
        grids = self.out_channels if self.per_channel else 1
        return (
            (self.weight_count * self.bits + 7) // 8
            + grids * (4 + (0 if self.symmetric else 1))
            + 4 * self.out_channels
        )

    def describe(self) -> dict[str, Any]:
        row = super().describe()
        row.update(granularity="per-channel" if self.per_channel else "per-tensor", symmetric=self.symmetric)
        return row


def kmeans_1d(values: np.ndarray, clusters: int, iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """``(centroids, labels)`` of 1-D k-means with linear initialisation over ``[min, max]`` (Deep
    Compression found it best: it keeps the rare large weights, which matter most). Deterministic."""
    v = np.asarray(values, dtype=np.float64).ravel()
    lo, hi = float(v.min()), float(v.max())
    centroids = np.linspace(lo, hi, clusters) if hi > lo else np.full(clusters, lo)
    labels = np.zeros(v.size, dtype=np.int64)
    for _ in range(iterations):
        order = np.argsort(centroids)
        centroids = centroids[order]
        edges = (centroids[1:] + centroids[:-1]) / 2
        labels = np.searchsorted(edges, v)
        sums = np.bincount(labels, weights=v, minlength=clusters)
        counts = np.bincount(labels, minlength=clusters)
        updated = np.where(counts > 0, sums / np.maximum(counts, 1), centroids)
        if np.allclose(updated, centroids):
            centroids = updated
            break
        centroids = updated
    edges = (np.sort(centroids)[1:] + np.sort(centroids)[:-1]) / 2
    centroids = np.sort(centroids)
    labels = np.searchsorted(edges, v)
    return centroids, labels


class KMeansQuantLayer(QuantLayer):
    """Weight sharing: every weight is one of ``2**bits`` values of a learned codebook (per layer).

    Only the codebook (and bias) are parameters, so fine-tuning trains the shared values: the gradient of a
    centroid is the sum of its weights' gradients, as in Deep Compression.
    """

    method = "kmeans"

    def __init__(
        self, op: FloatOp, weight: torch.Tensor, bias: torch.Tensor | None, bits: int, iterations: int = 30
    ) -> None:
        super().__init__(op, weight, bias)
        self.bits = check_bits(bits, op.name)
        centroids, labels = kmeans_1d(weight.detach().numpy(), 2**self.bits, iterations)
        self.codebook = nn.Parameter(torch.from_numpy(centroids.astype(np.float32)))
        self.register_buffer("labels", torch.from_numpy(labels.reshape(tuple(weight.shape))))

    def effective_weight(self) -> torch.Tensor:
        return self.codebook[self.labels]

    def storage_bytes(self) -> int:
        # an index of `bits` per weight, the float32 codebook, float32 bias
        return (self.weight_count * self.bits + 7) // 8 + 4 * self.codebook.numel() + 4 * self.out_channels
