"""One subnet of a search space: its resolution, width, and per stage its depth, kernels and expand ratios.

Why only the active blocks are stored: two settings that differ only in blocks a shallower depth drops are the
same network, and the search must count them once (:meth:`SubnetArch.key`). Sampling, mutation and crossover
take a :class:`random.Random`, so a seed fixes every choice on any machine (local or on a Ray worker).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from studio.optimize.nas.space import SearchSpace, SearchSpaceError


@dataclass(frozen=True)
class ElasticScope:
    """Which dimensions vary while sampling (progressive shrinking opens them one phase at a time)."""

    kernel: bool = True
    depth: bool = True
    expand: bool = True
    width: bool = True
    resolution: bool = True


FULL_SCOPE = ElasticScope()


@dataclass(frozen=True)
class SubnetArch:
    """The choices of one subnet; ``kernels[s]`` and ``expands[s]`` have ``depths[s]`` entries."""

    resolution: int
    width: float
    depths: tuple[int, ...]
    kernels: tuple[tuple[int, ...], ...]
    expands: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if not (len(self.depths) == len(self.kernels) == len(self.expands)):
            raise SearchSpaceError("an architecture needs depths, kernels and expands for every stage")
        for d, k, e in zip(self.depths, self.kernels, self.expands, strict=True):
            if len(k) != d or len(e) != d:
                raise SearchSpaceError(f"a stage of depth {d} needs {d} kernel sizes and expand ratios")

    def key(self) -> str:
        """A canonical string: equal for equal networks (used to skip duplicates and as the trial's id)."""
        stages = "|".join(
            ",".join(f"k{k}e{e}" for k, e in zip(ks, es, strict=True))
            for ks, es in zip(self.kernels, self.expands, strict=True)
        )
        return f"r{self.resolution}-w{self.width:g}-{stages}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (lists)."""
        return {
            "resolution": self.resolution,
            "width": self.width,
            "depths": list(self.depths),
            "kernels": [list(k) for k in self.kernels],
            "expands": [list(e) for e in self.expands],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubnetArch:
        """Inverse of :meth:`to_dict`; raises :class:`SearchSpaceError` for a malformed dict."""
        try:
            return cls(
                resolution=int(data["resolution"]),
                width=float(data["width"]),
                depths=tuple(int(d) for d in data["depths"]),
                kernels=tuple(tuple(int(k) for k in ks) for ks in data["kernels"]),
                expands=tuple(tuple(int(e) for e in es) for es in data["expands"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SearchSpaceError(f"malformed architecture: {type(exc).__name__}: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> SubnetArch:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SearchSpaceError(f"malformed architecture JSON: {exc}") from None
        if not isinstance(data, dict):
            raise SearchSpaceError("an architecture must be a JSON object")
        return cls.from_dict(data)


def validate_arch(space: SearchSpace, arch: SubnetArch) -> SubnetArch:
    """``arch`` if every choice is in ``space``; raises :class:`SearchSpaceError` naming the first that is not."""
    if len(arch.depths) != len(space.stages):
        raise SearchSpaceError(f"architecture has {len(arch.depths)} stages, the space {len(space.stages)}")
    if arch.resolution not in space.resolutions:
        raise SearchSpaceError(f"resolution {arch.resolution} not in the space ({list(space.resolutions)})")
    if arch.width not in space.width_mults:
        raise SearchSpaceError(f"width {arch.width} not in the space ({list(space.width_mults)})")
    for i, (stage, d) in enumerate(zip(space.stages, arch.depths, strict=True), 1):
        if d not in stage.depths:
            raise SearchSpaceError(f"stage {i}: depth {d} not in {list(stage.depths)}")
        if any(k not in space.kernel_sizes for k in arch.kernels[i - 1]):
            raise SearchSpaceError(f"stage {i}: kernel sizes {list(arch.kernels[i - 1])} not all in the space")
        if any(e not in space.expand_ratios for e in arch.expands[i - 1]):
            raise SearchSpaceError(f"stage {i}: expand ratios {list(arch.expands[i - 1])} not all in the space")
    return arch


def largest_arch(space: SearchSpace) -> SubnetArch:
    """Every choice at its maximum: the full supernet."""
    depths = tuple(s.max_depth for s in space.stages)
    return SubnetArch(
        space.resolutions[-1],
        space.width_mults[-1],
        depths,
        tuple((space.kernel_sizes[-1],) * d for d in depths),
        tuple((space.expand_ratios[-1],) * d for d in depths),
    )


def smallest_arch(space: SearchSpace) -> SubnetArch:
    """Every choice at its minimum."""
    depths = tuple(min(s.depths) for s in space.stages)
    return SubnetArch(
        space.resolutions[0],
        space.width_mults[0],
        depths,
        tuple((space.kernel_sizes[0],) * d for d in depths),
        tuple((space.expand_ratios[0],) * d for d in depths),
    )


def sample_arch(space: SearchSpace, rng: random.Random, scope: ElasticScope = FULL_SCOPE) -> SubnetArch:
    """A random subnet; dimensions outside ``scope`` stay at their maximum."""
    big = largest_arch(space)
    resolution = rng.choice(space.resolutions) if scope.resolution else big.resolution
    width = rng.choice(space.width_mults) if scope.width else big.width
    depths, kernels, expands = [], [], []
    for stage in space.stages:
        d = rng.choice(stage.depths) if scope.depth else stage.max_depth
        depths.append(d)
        kernels.append(
            tuple(rng.choice(space.kernel_sizes) if scope.kernel else space.kernel_sizes[-1] for _ in range(d))
        )
        expands.append(
            tuple(rng.choice(space.expand_ratios) if scope.expand else space.expand_ratios[-1] for _ in range(d))
        )
    return SubnetArch(resolution, width, tuple(depths), tuple(kernels), tuple(expands))


def mutate_arch(space: SearchSpace, arch: SubnetArch, rng: random.Random, prob: float = 0.3) -> SubnetArch:
    """Each choice re-drawn with probability ``prob`` (a new block gets random settings)."""
    resolution = rng.choice(space.resolutions) if rng.random() < prob else arch.resolution
    width = rng.choice(space.width_mults) if rng.random() < prob else arch.width
    depths, kernels, expands = [], [], []
    for s, stage in enumerate(space.stages):
        d = rng.choice(stage.depths) if rng.random() < prob else arch.depths[s]
        ks, es = [], []
        for b in range(d):
            old_k = arch.kernels[s][b] if b < arch.depths[s] else None
            old_e = arch.expands[s][b] if b < arch.depths[s] else None
            ks.append(rng.choice(space.kernel_sizes) if old_k is None or rng.random() < prob else old_k)
            es.append(rng.choice(space.expand_ratios) if old_e is None or rng.random() < prob else old_e)
        depths.append(d)
        kernels.append(tuple(ks))
        expands.append(tuple(es))
    return SubnetArch(resolution, width, tuple(depths), tuple(kernels), tuple(expands))


def crossover_arch(a: SubnetArch, b: SubnetArch, rng: random.Random) -> SubnetArch:
    """A child taking each global choice and each whole stage from one parent at random."""
    resolution = a.resolution if rng.random() < 0.5 else b.resolution
    width = a.width if rng.random() < 0.5 else b.width
    depths, kernels, expands = [], [], []
    for s in range(len(a.depths)):
        parent = a if rng.random() < 0.5 else b
        depths.append(parent.depths[s])
        kernels.append(parent.kernels[s])
        expands.append(parent.expands[s])
    return SubnetArch(resolution, width, tuple(depths), tuple(kernels), tuple(expands))
