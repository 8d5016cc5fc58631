"""Hard limits a searched subnet must meet: MACs, parameters, flash, peak SRAM and latency.

Why hard limits and not a weighted score: a model that needs 300 KB on a 256 KB board is useless however
accurate it is; the search only ever proposes subnets inside every limit (TinyNAS's framing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from studio.core.errors import StudioError
from studio.optimize.nas.costs import SubnetCosts


@dataclass(frozen=True)
class Constraints:
    """Upper limits; ``None`` means no limit. Bytes for flash and SRAM, milliseconds for latency."""

    max_macs: int | None = None
    max_params: int | None = None
    max_flash_bytes: int | None = None
    max_sram_bytes: int | None = None
    max_latency_ms: float | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value <= 0):
                raise StudioError(f"constraint {name} must be a positive number, got {value!r}")

    @property
    def needs_latency(self) -> bool:
        return self.max_latency_ms is not None

    def violations(self, costs: SubnetCosts) -> list[str]:
        """One short phrase per limit ``costs`` exceeds (empty when all are met)."""
        out = []
        checks = (
            ("MACs", costs.macs, self.max_macs),
            ("params", costs.params, self.max_params),
            ("flash bytes", costs.flash_bytes, self.max_flash_bytes),
            ("peak SRAM bytes", costs.peak_sram_bytes, self.max_sram_bytes),
            ("latency ms", costs.latency_ms, self.max_latency_ms),
        )
        for what, value, limit in checks:
            if limit is not None and value is not None and value > limit:
                out.append(f"{what} {value:g} > {limit:g}")
        return out

    def satisfied(self, costs: SubnetCosts) -> bool:
        return not self.violations(costs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraints:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    @classmethod
    def from_user_units(
        cls,
        *,
        max_sram_kb: float | None = None,
        max_macs_millions: float | None = None,
        max_params_k: float | None = None,
        max_flash_kb: float | None = None,
        max_latency_ms: float | None = None,
    ) -> Constraints:
        """Limits as a user types them (KB = 1024 bytes, millions of MACs, thousands of parameters)."""
        return cls(
            max_macs=None if max_macs_millions is None else int(max_macs_millions * 1_000_000),
            max_params=None if max_params_k is None else int(max_params_k * 1000),
            max_flash_bytes=None if max_flash_kb is None else int(max_flash_kb * 1024),
            max_sram_bytes=None if max_sram_kb is None else int(max_sram_kb * 1024),
            max_latency_ms=max_latency_ms,
        )


class NoFeasibleSubnetError(StudioError):
    """No subnet of the space meets the limits; the message gives the smallest subnet's costs."""
