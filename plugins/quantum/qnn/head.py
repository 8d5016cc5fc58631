"""The classifier's head: measured <Z> values -> class logits, with QuantumNAT's output-side noise robustness.

Steps, in QuantumNAT's order:

1. **Post-measurement normalization** (optional): each qubit's <Z> is standardised, ``(z - mean) / std``. Device
   noise mostly shrinks each <Z> towards 0 and shifts it (depolarizing, relaxation and readout errors act on each
   measured value roughly as ``f_k * z + s_k``); standardising with statistics measured *under the same noise*
   undoes both, so the noisy normalized values match the noise-free normalized ones the head was trained on.
   In training the statistics come from the batch; in evaluation from a calibration batch run through the same
   executor (:class:`NormStats`), as QuantumNAT uses validation-set statistics on the device.
2. **Quantization** (optional): normalized values clipped to ``[-quant_range, quant_range]`` and snapped to
   ``quant_levels`` levels, with a straight-through gradient; small noise-induced deviations round away.
3. **Readout to classes**: qubit k votes for class k (4 classes), or qubits (0, 1) and (2, 3) add up (2 classes).
4. **A trainable affine map per class** (``scale * score + bias``): the head learns how peaked its softmax should
   be, so normalization never costs noise-free accuracy through a fixed scale. Plain runs get a trainable scale
   per class too, but no bias unless asked (:attr:`RobustHeadConfig.trainable_bias` says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Tensor = Any


@dataclass(frozen=True)
class RobustHeadConfig:
    """Which output-side steps run, and how the trainable affine map starts."""

    normalize: bool = False
    quantize: bool = False
    quant_levels: int = 5
    quant_range: float = 2.0
    init_scale: float | None = None  # None: 4.0 on raw <Z> (a softmax of values in [-1, 1] is flat), 1.0 normalized
    bias: bool | None = None  # a trainable bias per class; None: only after normalization (see below)

    @property
    def initial_scale(self) -> float:
        if self.init_scale is not None:
            return self.init_scale
        return 1.0 if self.normalize else 4.0

    @property
    def trainable_bias(self) -> bool:
        # On raw <Z> a bias is tuned to the noise-free scale: noise shrinks the scores but not the bias, and
        # argmax moves (measured: 4 classes on FakeQuitoV2, plain with a bias lost 20 points to noise, without
        # it 0 to 5). After normalization the scores keep their scale under noise, so the bias is harmless.
        return self.normalize if self.bias is None else self.bias


@dataclass(frozen=True)
class NormStats:
    """Per-qubit mean and standard deviation of measured <Z>, for post-measurement normalization."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @staticmethod
    def of(z: Tensor) -> NormStats:
        """Statistics of a ``(B, n)`` batch of expectations (population standard deviation, as batch norm)."""
        zd = z.detach().double()
        return NormStats(tuple(zd.mean(dim=0).tolist()), tuple(zd.std(dim=0, correction=0).tolist()))


def normalize(z: Tensor, stats: NormStats | None) -> Tensor:
    """``(z - mean) / std`` per qubit, with ``stats`` or (when None) the batch's own statistics."""
    import torch

    if stats is None:
        mean, std = z.mean(dim=0, keepdim=True), z.std(dim=0, correction=0, keepdim=True)
    else:
        mean = torch.tensor(stats.mean, dtype=z.dtype).unsqueeze(0)
        std = torch.tensor(stats.std, dtype=z.dtype).unsqueeze(0)
    return (z - mean) / (std + 1e-6)


def quantize(z: Tensor, levels: int, value_range: float) -> Tensor:
    """``z`` clipped to ``[-value_range, value_range]`` and snapped to ``levels`` evenly spaced values.

    The gradient passes straight through the rounding (and is zero outside the range, as for a clamp).
    """
    import torch

    step = 2 * value_range / max(1, levels - 1)
    clipped = z.clamp(-value_range, value_range)
    snapped = torch.round((clipped + value_range) / step) * step - value_range
    return clipped + (snapped - clipped).detach()


def class_scores(z: Tensor, num_classes: int) -> Tensor:
    """``(B, num_classes)`` from ``(B, n)`` values: qubit k for class k, or pairs of qubits for 2 classes."""
    import torch

    if num_classes == 2:
        return torch.stack([z[:, 0] + z[:, 1], z[:, 2] + z[:, 3]], dim=1)
    return z[:, :num_classes]


def head_logits(
    z: Tensor, num_classes: int, head: RobustHeadConfig, scale: Tensor, bias: Tensor, stats: NormStats | None = None
) -> Tensor:
    """Class logits from ``(B, n)`` expectations through the steps in the module docstring."""
    if head.normalize:
        z = normalize(z, stats)
        if head.quantize:
            z = quantize(z, head.quant_levels, head.quant_range)
    elif head.quantize:
        z = quantize(z, head.quant_levels, 1.0)  # raw <Z> lies in [-1, 1]
    return class_scores(z, num_classes) * scale + bias
