"""Placing every buffer in one static arena: several heuristics, the best one kept, and the lower bound.

Why several: no single greedy order is best for every graph (TFLite Micro's greedy-by-size loses on some
chains, first-fit by start time on some branches); trying four costs microseconds and the report shows all.
Every heuristic places buffers one at a time at the lowest aligned offset that overlaps no already placed
buffer live at the same time; they differ in the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from studio.deploy.lifetimes import Buffer, Lifetimes

ALIGN = 4

Order = Callable[[list[Buffer]], list[Buffer]]


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _by_size(bs: list[Buffer]) -> list[Buffer]:
    return sorted(bs, key=lambda b: (-b.size, b.first))


def _by_start(bs: list[Buffer]) -> list[Buffer]:
    return sorted(bs, key=lambda b: (b.first, -b.size))


def _by_area(bs: list[Buffer]) -> list[Buffer]:
    return sorted(bs, key=lambda b: (-b.size * (b.last - b.first + 1), b.first))


def _by_duration(bs: list[Buffer]) -> list[Buffer]:
    return sorted(bs, key=lambda b: (-(b.last - b.first), -b.size))


#: name -> order in which buffers are placed.
HEURISTICS: dict[str, Order] = {
    "greedy-by-size": _by_size,
    "first-fit-by-start": _by_start,
    "greedy-by-area": _by_area,
    "greedy-by-duration": _by_duration,
}


@dataclass(frozen=True)
class Placement:
    """Buffer name -> arena offset, and the arena size that placement needs."""

    heuristic: str
    offsets: dict[str, int]
    arena_bytes: int


@dataclass(frozen=True)
class MemoryPlan:
    """The chosen placement, the alternatives tried, and the lower bound."""

    lifetimes: Lifetimes
    placement: Placement
    tried: tuple[Placement, ...]
    lower_bound: int

    @property
    def arena_bytes(self) -> int:
        return self.placement.arena_bytes

    def offset_of(self, tensor: str) -> int:
        """Arena offset of ``tensor`` (or of a scratch buffer's name)."""
        for b in self.lifetimes.buffers:
            if tensor == b.name or tensor in b.tensors:
                return self.placement.offsets[b.name]
        raise KeyError(tensor)


def place(buffers: list[Buffer], order: Order, heuristic: str = "") -> Placement:
    """Place ``buffers`` in ``order`` at the lowest non-conflicting aligned offsets."""
    placed: list[tuple[Buffer, int]] = []
    offsets: dict[str, int] = {}
    for b in order(list(buffers)):
        conflicts = sorted((off, off + _align(o.size)) for o, off in placed if o.overlaps(b))
        offset = 0
        for start, end in conflicts:
            if offset + b.size <= start:
                break
            offset = max(offset, _align(end))
        placed.append((b, offset))
        offsets[b.name] = offset
    arena = max((off + b.size for b, off in placed), default=0)
    return Placement(heuristic, offsets, _align(arena))


def plan_memory(lifetimes: Lifetimes) -> MemoryPlan:
    """Try every heuristic and keep the smallest arena (ties: the first listed)."""
    tried = tuple(place(list(lifetimes.buffers), order, name) for name, order in HEURISTICS.items())
    best = min(tried, key=lambda p: p.arena_bytes)
    return MemoryPlan(lifetimes, best, tried, lifetimes.lower_bound())


def check_plan(plan: MemoryPlan) -> None:
    """Raise ``AssertionError`` if two buffers live at the same step overlap in the arena (a self-check the
    code generator runs before emitting C: a wrong plan would corrupt tensors silently)."""
    bs = list(plan.lifetimes.buffers)
    off = plan.placement.offsets
    for i, a in enumerate(bs):
        if off[a.name] + a.size > plan.arena_bytes:
            raise AssertionError(f"{a.name} ends beyond the arena")
        for b in bs[i + 1 :]:
            if a.overlaps(b) and off[a.name] < off[b.name] + b.size and off[b.name] < off[a.name] + a.size:
                raise AssertionError(f"{a.name} and {b.name} are live together and overlap in the arena")
