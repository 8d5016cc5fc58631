"""The quantization methods' configurations: small frozen dataclasses, built from and written to plain dicts.

Why dicts: a recipe step, the CLI's flags and the GUI's form are all dicts of these fields, so one
``from_dict`` checks every one of them the same way (unknown keys and bad values raise
:class:`~studio.optimize.quantize.qparams.QuantConfigError`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from studio.optimize.quantize.calibration import RANGE_METHODS
from studio.optimize.quantize.qparams import QuantConfigError, check_bits

C = TypeVar("C")


def config_from_dict(cls: type[C], params: dict[str, Any]) -> C:
    """``cls(**params)`` with unknown keys reported by name; raises :class:`QuantConfigError`."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - known)
    if unknown:
        raise QuantConfigError(
            f"unknown {cls.__name__} option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        raise QuantConfigError(f"{cls.__name__}: {exc}") from None


@dataclass(frozen=True)
class LinearQuantConfig:
    """Linear (uniform) quantization: weights at ``weight_bits`` (per layer in ``layer_bits``), activations
    at 8 bits calibrated on ``calibration_samples`` training images with ``calibration``.

    ``symmetric`` applies to weights (activations are always asymmetric, which the int8 format needs);
    asymmetric or per-tensor weights are simulated faithfully, but only symmetric ones export to int8.
    A layer set to 32 bits in ``layer_bits`` stays float.
    """

    weight_bits: int = 8
    activation_bits: int = 8
    per_channel: bool = True
    symmetric: bool = True
    calibration: str = "minmax"
    percentile: float = 99.99
    calibration_samples: int = 256
    weight_method: str = "minmax"
    layer_bits: dict[str, int] = field(default_factory=dict)
    quantize_activations: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.weight_bits != 32:
            check_bits(self.weight_bits)
        check_bits(self.activation_bits, "activations")
        if self.calibration not in RANGE_METHODS:
            raise QuantConfigError(f"unknown calibration {self.calibration!r} (known: {', '.join(RANGE_METHODS)})")
        if self.weight_method not in ("minmax", "mse"):
            raise QuantConfigError(f"unknown weight range method {self.weight_method!r} (minmax or mse)")
        if self.calibration_samples < 1:
            raise QuantConfigError("calibration needs at least one sample")
        for layer, bits in self.layer_bits.items():
            if bits != 32:
                check_bits(bits, f"layer {layer}")
        object.__setattr__(self, "layer_bits", {str(k): int(v) for k, v in self.layer_bits.items()})

    def bits_for(self, layer: str) -> int:
        """The weight bit width of ``layer`` (32: float)."""
        return int(self.layer_bits.get(layer, self.weight_bits))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (a recipe step's parameters)."""
        return asdict(self)


@dataclass(frozen=True)
class KMeansConfig:
    """K-means weight sharing (Deep Compression): ``2**bits`` shared values per layer, then the codebooks are
    fine-tuned for ``fine_tune_epochs`` (0: none) at ``learning_rate``."""

    bits: int = 4
    layer_bits: dict[str, int] = field(default_factory=dict)
    fine_tune_epochs: int = 3
    learning_rate: float = 1e-3
    iterations: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        check_bits(self.bits)
        for layer, bits in self.layer_bits.items():
            if bits != 32:
                check_bits(bits, f"layer {layer}")
        if self.fine_tune_epochs < 0 or self.learning_rate <= 0 or self.iterations < 1:
            raise QuantConfigError("k-means: epochs must be >= 0, learning rate > 0, iterations >= 1")
        object.__setattr__(self, "layer_bits", {str(k): int(v) for k, v in self.layer_bits.items()})

    def bits_for(self, layer: str) -> int:
        """The codebook size exponent of ``layer`` (32: left float)."""
        return int(self.layer_bits.get(layer, self.bits))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class QATConfig:
    """Quantization-aware training of an already quantized model: ``epochs`` at ``learning_rate`` with the
    straight-through estimator; activation grids stay those of calibration, weight grids follow the weights."""

    epochs: int = 3
    learning_rate: float = 5e-4
    batch_size: int = 64
    weight_decay: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.learning_rate <= 0 or self.batch_size < 1:
            raise QuantConfigError("QAT: epochs and batch size must be >= 1 and the learning rate > 0")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)
