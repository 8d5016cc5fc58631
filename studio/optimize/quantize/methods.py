"""The quantization methods by name: ``linear`` (PTQ), ``kmeans`` (weight sharing) and ``qat``, each a config
class plus a handler, looked up from a recipe step's or the CLI's ``method``.

A new method is one :class:`QuantMethod` passed to :func:`register_method`; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.optimize.quantize.config import KMeansConfig, LinearQuantConfig, QATConfig, config_from_dict
from studio.optimize.quantize.qparams import QuantConfigError


@dataclass(frozen=True)
class QuantData:
    """What methods may use: ``train`` and ``val`` data sets (adapted to the model's input) and the
    ``calibration`` images (N,C,H,W float32) drawn from ``train``."""

    train: Any
    val: Any
    calibration: Any


@dataclass(frozen=True)
class QuantMethod:
    """``apply(module, input_shape, config, data, name, ctx) -> QuantSimModel``; ``describe(config)`` is the
    one line of the undo menu and the recipe history."""

    name: str
    config_cls: type
    apply: Callable[..., Any]
    describe: Callable[[Any], str]


def _linear(module: Any, input_shape: tuple[int, ...], config: LinearQuantConfig, data: QuantData, name: str,
            ctx: Any) -> Any:  # fmt: skip
    from studio.optimize.quantize.ptq import linear_quantize

    calibration = data.calibration if config.quantize_activations else None
    return linear_quantize(module, input_shape, calibration, config, name, ctx)


def _describe_linear(c: LinearQuantConfig) -> str:
    acts = f"A{c.activation_bits}" if c.quantize_activations else "A32"
    widths = sorted(set(c.layer_bits.values()) - {32})
    if not widths or widths == [c.weight_bits]:
        bits = f"W{c.weight_bits}{acts}"
    else:
        per_layer = f"W{widths[0]}" if len(widths) == 1 else f"W{widths[0]}-{widths[-1]}"
        bits = f"{per_layer} per layer (default W{c.weight_bits}), {acts}"
    grain = "per-channel" if c.per_channel else "per-tensor"
    return f"Quantize {bits} linear, {grain}, {c.calibration}"


def _kmeans(module: Any, input_shape: tuple[int, ...], config: KMeansConfig, data: QuantData, name: str,
            ctx: Any) -> Any:  # fmt: skip
    from studio.optimize.quantize.kmeans import kmeans_quantize

    return kmeans_quantize(module, input_shape, config, data.train, name, ctx)


def _describe_kmeans(c: KMeansConfig) -> str:
    tuned = f", {c.fine_tune_epochs} epochs fine-tuning" if c.fine_tune_epochs else ""
    return f"Quantize k-means {c.bits}-bit{' (mixed)' if c.layer_bits else ''}{tuned}"


def _qat(module: Any, input_shape: tuple[int, ...], config: QATConfig, data: QuantData, name: str, ctx: Any) -> Any:
    from studio.optimize.quantize.qat import quantization_aware_training

    return quantization_aware_training(module, data.train, config, ctx)


def _describe_qat(c: QATConfig) -> str:
    return f"Quantization-aware training, {c.epochs} epochs"


_METHODS: dict[str, QuantMethod] = {}


def register_method(method: QuantMethod) -> QuantMethod:
    """Add (or replace) a method; returns it."""
    _METHODS[method.name] = method
    return method


for _m in (
    QuantMethod("linear", LinearQuantConfig, _linear, _describe_linear),
    QuantMethod("kmeans", KMeansConfig, _kmeans, _describe_kmeans),
    QuantMethod("qat", QATConfig, _qat, _describe_qat),
):
    register_method(_m)


def method_names() -> list[str]:
    """Registered method names."""
    return sorted(_METHODS)


def get_method(name: str) -> QuantMethod:
    """The method called ``name``; raises :class:`QuantConfigError` listing the known ones."""
    try:
        return _METHODS[name]
    except KeyError:
        raise QuantConfigError(f"unknown quantization method {name!r} (known: {', '.join(method_names())})") from None


def parse_params(params: dict[str, Any]) -> tuple[QuantMethod, Any]:
    """``(method, config)`` from a step's parameters (``method`` plus the config's fields)."""
    rest = dict(params)
    method = get_method(str(rest.pop("method", "linear")))
    return method, config_from_dict(method.config_cls, rest)


def describe_params(params: dict[str, Any]) -> str:
    """The one-line description of a step's parameters (the method's name if they don't parse)."""
    try:
        method, config = parse_params(params)
    except QuantConfigError:
        return f"Quantize ({params.get('method', 'linear')})"
    return method.describe(config)
