"""A search problem: the space, the data's shape, the limits, and what a candidate costs.

Why its own object: random and evolutionary search, the CLI, the GUI's live checks and the Ray tasks all ask
the same two questions (what does this subnet cost, does it fit), and must answer them identically.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from studio.optimize.nas.arch import ElasticScope, SubnetArch, mutate_arch, sample_arch, smallest_arch
from studio.optimize.nas.constraints import Constraints, NoFeasibleSubnetError
from studio.optimize.nas.costs import SubnetCosts, subnet_costs
from studio.optimize.nas.space import SearchSpace

#: Random draws tried before concluding that no subnet fits.
SAMPLE_TRIES = 400


@dataclass
class SearchProblem:
    """Costs are cached per architecture key; ``latency_table`` (optional) adds latency to them."""

    space: SearchSpace
    in_channels: int
    num_classes: int
    constraints: Constraints = field(default_factory=Constraints)
    latency_table: Any = None
    _cache: dict[str, SubnetCosts] = field(default_factory=dict, repr=False)

    def costs(self, arch: SubnetArch) -> SubnetCosts:
        """MACs, params, flash, peak SRAM (and latency with a table) of ``arch``."""
        key = arch.key()
        if key not in self._cache:
            table = self.latency_table if self.constraints.needs_latency or self.latency_table else None
            self._cache[key] = subnet_costs(self.space, arch, self.in_channels, self.num_classes, table)
        return self._cache[key]

    def fits(self, arch: SubnetArch) -> bool:
        """Whether ``arch`` meets every limit."""
        return self.constraints.satisfied(self.costs(arch))

    def sample_feasible(self, rng: random.Random, seen: set[str] | None = None) -> SubnetArch:
        """A random subnet inside the limits and not in ``seen``.

        Falls back to small mutations of the smallest subnet when random draws keep missing tight limits.
        Raises :class:`NoFeasibleSubnetError` when even the smallest subnet does not fit, and when every draw
        was already seen.
        """
        seen = seen or set()
        for _ in range(SAMPLE_TRIES):
            arch = sample_arch(self.space, rng)
            if arch.key() not in seen and self.fits(arch):
                return arch
        small = smallest_arch(self.space)
        if not self.fits(small):
            c = self.costs(small)
            problems = "; ".join(self.constraints.violations(c))
            raise NoFeasibleSubnetError(
                f"no subnet of the search space meets the limits: even the smallest has {problems}"
            )
        for _ in range(SAMPLE_TRIES):
            arch = mutate_arch(self.space, small, rng, prob=0.2)
            if arch.key() not in seen and self.fits(arch):
                return arch
        if small.key() not in seen:
            return small
        raise NoFeasibleSubnetError("every subnet that meets the limits was already tried; loosen the limits")

    def sample_any(self, rng: random.Random, scope: ElasticScope) -> SubnetArch:
        """A random subnet ignoring the limits (supernet training samples these)."""
        return sample_arch(self.space, rng, scope)
