"""The pruning methods' configs: small frozen dataclasses, JSON/TOML-able through :func:`to_params`.

``sparsities`` (layer -> fraction) overrides ``sparsity`` for the layers it names; a layer that is neither
in ``sparsities`` nor covered by the global value (``layers`` restricts which ones are) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from studio.core.errors import StudioError


class PruneConfigError(StudioError):
    """A pruning config with a bad value (sparsity outside [0, 1), unknown method, N >= M ...)."""


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= float(value) < 1.0:
        raise PruneConfigError(f"{name} must be at least 0 and below 1, got {value}")


@dataclass(frozen=True)
class MagnitudePruning:
    """Fine-grained: zero the smallest-magnitude weights of each layer (masks kept through fine-tuning)."""

    method: ClassVar[str] = "magnitude"
    sparsity: float = 0.5
    sparsities: dict[str, float] = field(default_factory=dict)
    layers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _check_fraction("sparsity", self.sparsity)
        for name, value in self.sparsities.items():
            _check_fraction(f"sparsity of {name}", value)


@dataclass(frozen=True)
class ChannelPruning:
    """Structured: remove the lowest-L1 output channels and everything that depends on them (residual adds,
    concatenations, depthwise/group convolutions, the next layer's inputs). ``sparsity`` is the fraction of
    channels removed per group of coupled layers; the classifier's outputs are never removed."""

    method: ClassVar[str] = "channel"
    sparsity: float = 0.5
    sparsities: dict[str, float] = field(default_factory=dict)
    layers: tuple[str, ...] | None = None
    round_to: int | None = None

    def __post_init__(self) -> None:
        _check_fraction("sparsity", self.sparsity)
        for name, value in self.sparsities.items():
            _check_fraction(f"sparsity of {name}", value)
        if self.round_to is not None and self.round_to < 1:
            raise PruneConfigError(f"round_to must be a positive channel count, got {self.round_to}")


@dataclass(frozen=True)
class NMPruning:
    """N:M semi-structured: keep the ``n`` largest of every ``m`` consecutive input weights (2:4 by default)."""

    method: ClassVar[str] = "n:m"
    n: int = 2
    m: int = 4
    layers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.n < self.m:
            raise PruneConfigError(f"N:M sparsity needs 0 < N < M, got {self.n}:{self.m}")

    @property
    def sparsity(self) -> float:
        return 1.0 - self.n / self.m


PruneConfig = MagnitudePruning | ChannelPruning | NMPruning
_CONFIGS: dict[str, type] = {"magnitude": MagnitudePruning, "channel": ChannelPruning, "n:m": NMPruning}


def config_from_method(method: str, sparsity: float | None = None, **extra: Any) -> PruneConfig:
    """Build a config from what a user types: ``magnitude``, ``channel``, ``2:4`` (any ``N:M``).

    Raises :class:`PruneConfigError` for an unknown method or bad values.
    """
    text = method.strip().lower()
    if ":" in text and text != "n:m":
        try:
            n, m = (int(p) for p in text.split(":"))
        except ValueError:
            raise PruneConfigError(f"N:M sparsity is written like 2:4, got {method!r}") from None
        return NMPruning(n=n, m=m, **extra)
    cls = _CONFIGS.get(text)
    if cls is None:
        raise PruneConfigError(f"unknown pruning method {method!r} (use magnitude, channel or N:M such as 2:4)")
    if cls is NMPruning:
        return NMPruning(**extra)
    return cls(sparsity=0.5 if sparsity is None else float(sparsity), **extra)


def to_params(config: PruneConfig) -> dict[str, Any]:
    """Plain dict (recipe step params): ``method`` plus the non-default fields."""
    if isinstance(config, NMPruning):  # written the way users type it: method = "2:4"
        out: dict[str, Any] = {"method": f"{config.n}:{config.m}"}
        if config.layers is not None:
            out["layers"] = list(config.layers)
        return out
    out = {"method": config.method}
    for f in fields(config):
        value = getattr(config, f.name)
        if value is None or value == {}:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else (dict(value) if isinstance(value, dict) else value)
    return out


def from_params(params: dict[str, Any]) -> PruneConfig:
    """Inverse of :func:`to_params`; raises :class:`PruneConfigError` for unknown keys or values."""
    params = dict(params)
    method = str(params.pop("method", "magnitude"))
    cls = _CONFIGS.get(method) or (NMPruning if ":" in method else None)
    if cls is None:
        raise PruneConfigError(f"unknown pruning method {method!r}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise PruneConfigError(f"{method} pruning has no option {', '.join(unknown)}")
    if "layers" in params and params["layers"] is not None:
        params["layers"] = tuple(str(n) for n in params["layers"])
    if "sparsities" in params:
        params["sparsities"] = {str(k): float(v) for k, v in dict(params["sparsities"]).items()}
    if cls is NMPruning and method not in ("n:m",) and "n" not in params:
        return config_from_method(method, layers=params.get("layers"))
    return cls(**params)
