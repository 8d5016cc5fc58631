"""Per-layer bit-width sensitivity: accuracy (and weight SQNR) when only one layer's weights are quantized.

Mixed precision needs, for every layer and bit width, the accuracy of the model with just that layer
quantized (HAQ's and AIMET's per-layer analysis). The scan itself is the studio's shared engine
(:func:`studio.analysis.sensitivity.scan.scan_sensitivity`, which recomputes only the part of the network
after each layer) with the :class:`WeightBits` perturbation registered here as ``"bits"``. It runs on the
batch-norm-folded float model (a :class:`~studio.optimize.quantize.sim_model.QuantSimModel` with float
layers), so the weights quantized are the ones the int8 model stores.
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


class WeightBits:
    """The scan engine's perturbation "bits": a layer's weight quantized to ``level`` bits (32: unchanged),
    uniform symmetric (per channel or per tensor) or k-means."""

    name = "bits"
    label = "weight bits"

    def __init__(self, method: str = "linear", per_channel: bool = True) -> None:
        self.method = method
        self.per_channel = per_channel

    def check(self, layer: Any) -> str | None:
        weight = getattr(layer, "weight", None)
        if weight is None or not hasattr(weight, "dim"):
            return "has no weight tensor"
        return None if weight.dim() >= 2 else "its weight is a vector (normalisation or scale), not a kernel"

    def is_identity(self, level: float) -> bool:
        return level >= 32

    def perturbed(self, layer: Any, level: float) -> dict[str, Any]:
        from studio.analysis.sensitivity.perturbation import PerturbationError

        if level >= 32:
            return {"weight": layer.weight.detach()}
        if int(level) != level or not 2 <= level <= 8:
            raise PerturbationError(f"weight bits must be 2 to 8 (or 32), got {level}")
        return {"weight": quantized_weight(layer.weight, int(level), self.method, self.per_channel)}


def _register() -> None:
    from studio.analysis.sensitivity.perturbation import known_perturbations, register_perturbation

    if "bits" not in known_perturbations():
        register_perturbation("bits", WeightBits)


def bit_sensitivity_scan(
    module: Any, input_shape: tuple[int, ...], val: Any, config: BitScanConfig | None = None, ctx: Any = None
) -> BitScanResult:
    """Scan every (or ``config.layers``) weighted layer of ``module`` at ``config.bits`` on ``val`` (a
    :class:`~studio.data.datasets.Dataset` adapted to the model). Reports progress per point and honours
    cancellation. Raises :class:`QuantConfigError` for unknown layer names."""
    from studio.analysis.sensitivity.scan import ScanConfig, scan_sensitivity
    from studio.optimize.quantize.ptq import float_graph_of
    from studio.optimize.quantize.sim_model import QuantSimModel

    _register()
    config = config or BitScanConfig()
    graph = float_graph_of(module, input_shape)
    folded = QuantSimModel(graph).eval()  # float layers at the original module paths, batch norm folded
    names = list(folded.layer_names)
    unknown = sorted(set(config.layers) - set(names))
    if unknown:
        raise QuantConfigError(f"no quantizable layer {', '.join(unknown)}; layers: {', '.join(names)}")
    chosen = list(config.layers) or names
    data = val.subset(config.samples, seed=0)
    perturbation = WeightBits(config.method, config.per_channel)
    scan = scan_sensitivity(folded, data, perturbation, chosen, ScanConfig(levels=config.bits), ctx)
    curves = []
    for curve in scan.layers:
        weight = folded.layer(curve.name).weight.detach()
        by_bits = dict(zip(curve.levels, curve.accuracy, strict=True))
        result = LayerCurve(curve.name, int(weight.numel()), int(weight.shape[0]))
        for bits in config.bits:  # widest first
            result.bits.append(bits)
            result.accuracy.append(float(by_bits[float(bits)] if float(bits) in by_bits else by_bits[bits]))
            wq = quantized_weight(weight, bits, config.method, config.per_channel)
            result.sqnr_db.append(weight_sqnr_db(weight.numpy(), wq.numpy()))
        curves.append(result)
    return BitScanResult(scan.baseline_accuracy, scan.samples, curves)
