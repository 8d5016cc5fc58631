"""The shape of one benchmark's result, shared by every ``bench_*.py`` module and :mod:`benchmarks.run`.

A result is plain JSON::

    {"description": str,
     "metrics":  {name: number},   # what was measured (seconds unless the name ends in _ms)
     "baseline": {name: number},   # the reference measured in the same run
     "ratios":   {name: number},   # metric / baseline
     "targets":  [{"name", "value", "op", "limit", "target_met"}],
     "target_met": bool,           # all targets met
     "notes": [str]}

Ratios against a same-run baseline are what make numbers from a loaded laptop and a CI box comparable.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One target of DESIGN.md: ``value <op> limit`` (op is ``"<"``, ``"<="``, ``"=="`` or ``">="``)."""

    name: str
    value: float | bool
    op: str
    limit: float | bool

    @property
    def target_met(self) -> bool:
        """Whether the measured value meets the target."""
        if self.op == "<":
            return bool(self.value < self.limit)
        if self.op == "<=":
            return bool(self.value <= self.limit)
        if self.op == "==":
            return bool(self.value == self.limit)
        if self.op == ">=":
            return bool(self.value >= self.limit)
        raise ValueError(f"unknown comparison {self.op!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, including ``target_met``."""
        return {**asdict(self), "target_met": self.target_met}


def bench_result(
    description: str,
    metrics: dict[str, float],
    baseline: dict[str, float],
    ratios: dict[str, float],
    targets: Sequence[Target],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Assemble a benchmark result in the documented shape (rounded for reading)."""
    return {
        "description": description,
        "metrics": {k: _round(v) for k, v in metrics.items()},
        "baseline": {k: _round(v) for k, v in baseline.items()},
        "ratios": {k: _round(v) for k, v in ratios.items()},
        "targets": [t.to_dict() for t in targets],
        "target_met": all(t.target_met for t in targets),
        "notes": list(notes),
    }


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``; raises ``ValueError`` when empty."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: Sequence[float]) -> float:
    """Median of ``values``; raises ``statistics.StatisticsError`` when empty."""
    return float(statistics.median(values))


def _round(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value
