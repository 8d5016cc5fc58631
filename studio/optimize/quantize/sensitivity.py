"""Per-layer bit-width sensitivity: accuracy (and weight SQNR) when only one layer's weights are quantized.

Why its own small scan: mixed precision needs, for every layer and bit width, the accuracy of the model with
just that layer quantized (HAQ's and AIMET's per-layer analysis). The activations before a layer do not
depend on it, so the float activations of the evaluation images are computed once and each (layer, bits)
point re-runs only the ops from that layer on: for the last layers that is a small fraction of the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.optimize.quantize.qparams import QuantConfigError, check_bits


@dataclass(frozen=True)
class BitScanConfig:
    """Bit widths to try, the weight grid (per channel or not, uniform or k-means) and how many validation
    images to score on (fewer is faster and noisier)."""

    bits: tuple[int, ...] = (8, 6, 5, 4, 3, 2)
    method: str = "linear"
    per_channel: bool = True
    samples: int = 512
    layers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", tuple(sorted({check_bits(b) for b in self.bits}, reverse=True)))
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.method not in ("linear", "kmeans"):
            raise QuantConfigError(f"bit scan method must be linear or kmeans, got {self.method!r}")
        if self.samples < 1:
            raise QuantConfigError("the bit scan needs at least one sample")


@dataclass
class LayerCurve:
    """One layer's points: ``accuracy[i]`` and ``sqnr_db[i]`` (weight signal-to-quantization-noise) at
    ``bits[i]``; ``params`` weights."""

    layer: str
    params: int
    channels: int
    bits: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    sqnr_db: list[float] = field(default_factory=list)


@dataclass
class BitScanResult:
    """The float ``baseline`` accuracy and one :class:`LayerCurve` per layer, in execution order."""

    baseline: float
    samples: int
    curves: list[LayerCurve]

    def curve(self, layer: str) -> LayerCurve:
        """The curve of ``layer``; raises ``KeyError``."""
        for c in self.curves:
            if c.layer == layer:
                return c
        raise KeyError(layer)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "baseline": self.baseline,
            "samples": self.samples,
            "curves": [vars(c) for c in self.curves],
        }


def weight_sqnr_db(weight: np.ndarray, quantized: np.ndarray) -> float:
    """``10 log10(sum w^2 / sum (w - q)^2)``; ``inf`` when they are equal."""
    noise = float(np.sum((np.asarray(weight, np.float64) - quantized) ** 2))
    signal = float(np.sum(np.asarray(weight, np.float64) ** 2))
    return float("inf") if noise == 0 else float(10.0 * np.log10(max(signal, 1e-30) / noise))


def quantized_weight(weight: Any, bits: int, method: str, per_channel: bool) -> Any:
    """``weight`` (torch) after uniform symmetric or k-means quantization at ``bits``."""
    import torch

    from studio.optimize.quantize.layers import kmeans_1d
    from studio.optimize.quantize.qparams import fake_quant_np, weight_qparams

    w = weight.detach().numpy()
    if method == "kmeans":
        centroids, labels = kmeans_1d(w, 2**bits)
        return torch.from_numpy(centroids[labels].reshape(w.shape).astype(np.float32))
    q = weight_qparams(w, bits, per_channel)
    shape = (-1,) + (1,) * (w.ndim - 1)
    out = fake_quant_np(w.astype(np.float64), q.scale.reshape(shape), q.zero_point.reshape(shape), q.qmin, q.qmax)
    return torch.from_numpy(out.astype(np.float32))


def bit_sensitivity_scan(
    module: Any, input_shape: tuple[int, ...], val: Any, config: BitScanConfig | None = None, ctx: Any = None
) -> BitScanResult:
    """Scan every (or ``config.layers``) weighted layer of ``module`` at ``config.bits`` on ``val`` (a
    :class:`~studio.data.datasets.Dataset` adapted to the model). Reports progress per point and honours
    cancellation. Raises :class:`QuantConfigError` for unknown layer names."""
    import torch

    from studio.int8.float_graph import run_op
    from studio.optimize.quantize.ptq import float_graph_of

    config = config or BitScanConfig()
    graph = float_graph_of(module, input_shape)
    data = val.subset(config.samples, seed=0)
    labels = data.y
    names = [op.name for op in graph.weighted_ops()]
    unknown = sorted(set(config.layers) - set(names))
    if unknown:
        raise QuantConfigError(f"no quantizable layer {', '.join(unknown)}; layers: {', '.join(names)}")
    chosen = list(config.layers) or names
    with torch.no_grad():
        values: dict[str, Any] = {graph.input: torch.from_numpy(data.x)}
        for op in graph.ops:
            values[op.output] = run_op(op, [values[v] for v in op.inputs])
        baseline = _accuracy(values[graph.output], labels)
        curves: list[LayerCurve] = []
        total = len(chosen) * len(config.bits)
        done = 0
        for name in chosen:
            index = next(i for i, op in enumerate(graph.ops) if op.name == name)
            op = graph.ops[index]
            curve = LayerCurve(name, int(op.weight.numel()), int(op.weight.shape[0]))
            for bits in config.bits:
                if ctx is not None and ctx.cancelled:
                    ctx.check_cancelled()
                wq = quantized_weight(op.weight, bits, config.method, config.per_channel)
                local = dict(values)
                local[op.output] = run_op(op, [values[v] for v in op.inputs], wq)
                for later in graph.ops[index + 1 :]:
                    local[later.output] = run_op(later, [local[v] for v in later.inputs])
                curve.bits.append(bits)
                curve.accuracy.append(_accuracy(local[graph.output], labels))
                curve.sqnr_db.append(weight_sqnr_db(op.weight.numpy(), wq.numpy()))
                done += 1
                if ctx is not None:
                    ctx.progress(done, total, f"{name} at {bits} bits: {100 * curve.accuracy[-1]:.1f}%")
            curves.append(curve)
    return BitScanResult(baseline, len(labels), curves)


def _accuracy(logits: Any, labels: np.ndarray) -> float:
    out = logits.reshape(len(labels), -1).numpy()
    return float((out.argmax(axis=1) == labels).mean())
