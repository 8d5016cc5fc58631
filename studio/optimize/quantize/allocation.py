"""Mixed-precision bit allocation: the per-layer bits that fit a weight-size target and lose the least accuracy.

How: from a :class:`~studio.optimize.quantize.sensitivity.BitScanResult`, start every layer at its highest
scanned width and repeatedly lower, by one scanned step, the layer whose step costs the least accuracy per
byte saved, until the model fits. Losses are assumed to add up across layers (as in HAQ's and HAWQ's
greedy baselines); the predicted accuracy is the baseline minus their sum, to be checked by quantizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.optimize.quantize.qparams import QuantConfigError, quantized_weight_bytes
from studio.optimize.quantize.sensitivity import BitScanResult

_BIAS_BYTES = 4


@dataclass(frozen=True)
class BitAllocation:
    """``layer_bits`` chosen, their ``size_bytes`` (weights at their bits + scales + int32 bias) and the
    ``predicted_accuracy``; ``fits`` is False when even the lowest widths exceed the target."""

    layer_bits: dict[str, int]
    size_bytes: int
    target_bytes: int
    predicted_accuracy: float
    fits: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "layer_bits": dict(self.layer_bits),
            "size_bytes": self.size_bytes,
            "target_bytes": self.target_bytes,
            "predicted_accuracy": self.predicted_accuracy,
            "fits": self.fits,
        }


def layer_bytes(params: int, channels: int, bits: int) -> int:
    """Stored bytes of one linearly quantized layer (codes, per-channel scales, int32 bias)."""
    return quantized_weight_bytes(params, bits, channels) + _BIAS_BYTES * channels


def model_bytes(scan: BitScanResult, layer_bits: dict[str, int]) -> int:
    """Stored bytes of the scanned layers at ``layer_bits``."""
    return sum(layer_bytes(c.params, c.channels, layer_bits[c.layer]) for c in scan.curves)


def allocate_bits(scan: BitScanResult, target_bytes: int) -> BitAllocation:
    """Greedy allocation for ``target_bytes``; raises :class:`QuantConfigError` for a non-positive target."""
    if target_bytes <= 0:
        raise QuantConfigError(f"the size target must be positive, got {target_bytes}")
    steps = {c.layer: sorted(c.bits, reverse=True) for c in scan.curves}
    acc = {c.layer: dict(zip(c.bits, c.accuracy, strict=True)) for c in scan.curves}
    curves = {c.layer: c for c in scan.curves}
    bits = {layer: widths[0] for layer, widths in steps.items()}
    size = model_bytes(scan, bits)
    while size > target_bytes:
        best: tuple[float, str, int] | None = None
        for layer, current in bits.items():
            lower = [b for b in steps[layer] if b < current]
            if not lower:
                continue
            nxt = lower[0]
            c = curves[layer]
            saved = layer_bytes(c.params, c.channels, current) - layer_bytes(c.params, c.channels, nxt)
            loss = max(acc[layer][current] - acc[layer][nxt], 0.0)
            cost = (loss + 1e-6) / max(saved, 1)  # the tiny term prefers bigger savings among free steps
            if best is None or cost < best[0]:
                best = (cost, layer, nxt)
        if best is None:
            break
        bits[best[1]] = best[2]
        size = model_bytes(scan, bits)
    drop = sum(max(scan.baseline - acc[layer][b], 0.0) for layer, b in bits.items())
    return BitAllocation(bits, size, int(target_bytes), scan.baseline - drop, size <= target_bytes)
