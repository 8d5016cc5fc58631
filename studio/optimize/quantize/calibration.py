"""Calibration: the real range of every activation, from a few hundred samples, by one of four methods.

- ``minmax``: the observed minimum and maximum (no clipping; outliers widen the grid).
- ``percentile``: the ``percentile``-th and ``(100 - percentile)``-th percentiles (99.99 by default).
- ``mse``: the clipping (a fraction of the min-max range) with the least mean squared quantization error.
- ``kl``: the threshold whose quantized histogram is closest to the original in KL divergence (TensorRT's
  entropy calibration), on ``|x|`` for signed tensors.

Each method is a function of :class:`TensorStats` registered in :data:`RANGE_METHODS`; a new one is one
function and one entry there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.optimize.quantize.qparams import QuantConfigError, affine_from_range, fake_quant_np

_MAX_SAMPLES = 1 << 18


@dataclass
class TensorStats:
    """Exact ``lo``/``hi`` of a tensor over the calibration set, plus a seeded random sample of its values."""

    lo: float = float("inf")
    hi: float = float("-inf")
    parts: list[np.ndarray] = field(default_factory=list)
    kept: int = 0

    def update(self, values: np.ndarray, rng: np.random.Generator, per_batch: int) -> None:
        flat = np.asarray(values, dtype=np.float32).ravel()
        if flat.size == 0:
            return
        self.lo = min(self.lo, float(flat.min()))
        self.hi = max(self.hi, float(flat.max()))
        if self.kept < _MAX_SAMPLES:
            take = flat if flat.size <= per_batch else flat[rng.choice(flat.size, per_batch, replace=False)]
            self.parts.append(take.copy())
            self.kept += take.size

    @property
    def samples(self) -> np.ndarray:
        """The kept values as one float32 array."""
        return np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)


def _minmax(stats: TensorStats, bits: int, options: dict[str, Any]) -> tuple[float, float]:
    return stats.lo, stats.hi


def _percentile(stats: TensorStats, bits: int, options: dict[str, Any]) -> tuple[float, float]:
    p = float(options.get("percentile", 99.99))
    if not 50.0 < p <= 100.0:
        raise QuantConfigError(f"percentile must be in (50, 100], got {p}")
    s = stats.samples
    lo = float(np.percentile(s, 100.0 - p)) if stats.lo < 0 else stats.lo
    return lo, float(np.percentile(s, p))


def _mse(stats: TensorStats, bits: int, options: dict[str, Any]) -> tuple[float, float]:
    s = stats.samples.astype(np.float64)
    best, best_err = (stats.lo, stats.hi), np.inf
    for ratio in np.geomspace(0.01, 1.0, 60):  # far outliers need small ratios
        lo, hi = stats.lo * ratio, stats.hi * ratio
        q = affine_from_range(lo, hi, bits, symmetric=False)
        err = float(((fake_quant_np(s, q.scale, q.zero_point, q.qmin, q.qmax) - s) ** 2).mean())
        if err < best_err:
            best, best_err = (lo, hi), err
    return best


def _kl(stats: TensorStats, bits: int, options: dict[str, Any]) -> tuple[float, float]:
    s = stats.samples.astype(np.float64)
    signed = stats.lo < 0
    amax = max(abs(stats.lo), abs(stats.hi))
    if amax == 0 or s.size == 0:
        return stats.lo, stats.hi
    levels = 2 ** (bits - 1) if signed else 2**bits
    bins = int(options.get("bins", 2048))
    hist, edges = np.histogram(np.abs(s), bins=bins, range=(0.0, amax))
    hist = hist.astype(np.float64)
    best_i, best_kl = bins, np.inf
    for i in range(levels, bins + 1, max(1, bins // 256)):
        p = hist[:i].copy()
        p[-1] += hist[i:].sum()  # outliers clip into the last bin
        which = np.arange(i) * levels // i
        nonzero = (hist[:i] > 0).astype(np.float64)
        sums = np.bincount(which, weights=hist[:i], minlength=levels)
        counts = np.bincount(which, weights=nonzero, minlength=levels)
        q = np.where(nonzero > 0, sums[which] / np.maximum(counts[which], 1), 0.0)
        if p.sum() == 0 or q.sum() == 0:
            continue
        p /= p.sum()
        q /= q.sum()
        mask = p > 0
        kl = float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], 1e-12))))
        if kl < best_kl:
            best_i, best_kl = i, kl
    threshold = float(edges[best_i])
    return (max(stats.lo, -threshold), min(stats.hi, threshold))


RangeMethod = Callable[[TensorStats, int, dict[str, Any]], tuple[float, float]]

#: calibration method name -> ``fn(stats, bits, options) -> (lo, hi)``
RANGE_METHODS: dict[str, RangeMethod] = {"minmax": _minmax, "percentile": _percentile, "mse": _mse, "kl": _kl}


def estimate_range(stats: TensorStats, method: str = "minmax", bits: int = 8, **options: Any) -> tuple[float, float]:
    """The calibrated ``(lo, hi)`` of one tensor; raises :class:`QuantConfigError` for an unknown method."""
    try:
        fn = RANGE_METHODS[method]
    except KeyError:
        raise QuantConfigError(f"unknown calibration {method!r} (known: {', '.join(RANGE_METHODS)})") from None
    if stats.lo > stats.hi:  # never observed
        return 0.0, 0.0
    lo, hi = fn(stats, bits, options)
    return float(lo), float(hi)


def collect_stats(
    graph: Any, x: np.ndarray, *, batch_size: int = 64, seed: int = 0, ctx: Any = None, observe: Any = None
) -> dict[str, TensorStats]:
    """Run a :class:`~studio.int8.float_graph.FloatGraph` over ``x`` (N,C,H,W float32) and gather the
    statistics of its input and of every op's output. ``observe`` (optional) transforms each tensor after it
    is recorded, e.g. to calibrate downstream layers on already fake-quantized inputs."""
    import torch

    from studio.int8.float_graph import run_float_graph

    rng = np.random.default_rng(seed)
    stats: dict[str, TensorStats] = {}
    per_batch = max(1024, _MAX_SAMPLES * batch_size // max(len(x), 1))

    def record(name: str, t: Any) -> Any:
        stats.setdefault(name, TensorStats()).update(t.detach().numpy(), rng, per_batch)
        return observe(name, t) if observe else t

    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            if ctx is not None and ctx.cancelled:
                ctx.check_cancelled()
            run_float_graph(
                graph, torch.from_numpy(np.ascontiguousarray(x[start : start + batch_size])), observe=record
            )
    return stats


def calibrate_ranges(
    stats: dict[str, TensorStats], method: str = "minmax", bits: int = 8, **options: Any
) -> dict[str, tuple[float, float]]:
    """``estimate_range`` for every tensor of ``stats``."""
    return {name: estimate_range(s, method, bits, **options) for name, s in stats.items()}
