"""Search strategies: evolutionary search and a random-search baseline, both under hard limits.

Each strategy is a small frozen config plus a registered handler (:data:`SEARCH_STRATEGIES`). A handler
proposes candidates in batches (the unit a Ray cluster evaluates in parallel) and learns from their accuracy;
``evaluate(batch)`` is supplied by the caller, so the same strategy runs locally, on Ray, or replays finished
trials from the store after a pause or a crash. Every random choice comes from one seeded
:class:`random.Random`, so a seed gives the same trials wherever they are evaluated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.core.errors import StudioError
from studio.optimize.nas.arch import SubnetArch, crossover_arch, mutate_arch
from studio.optimize.nas.costs import SubnetCosts
from studio.optimize.nas.problem import SearchProblem


@dataclass(frozen=True)
class Trial:
    """One evaluated candidate: its index in the run, architecture, accuracy, costs and where it came from."""

    index: int
    arch: SubnetArch
    accuracy: float
    costs: SubnetCosts
    generation: int = 0
    origin: str = "random"  # random | mutation | crossover

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-able form (what the CLI prints and the store keeps)."""
        return {
            "index": self.index,
            "key": self.arch.key(),
            "arch": self.arch.to_dict(),
            "accuracy": self.accuracy,
            **self.costs.to_dict(),
            "generation": self.generation,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class RandomSearchConfig:
    """Draw ``trials`` distinct subnets inside the limits; evaluate them ``batch_size`` at a time."""

    trials: int = 20
    batch_size: int = 8
    seed: int = 0


@dataclass(frozen=True)
class EvolutionConfig:
    """Evolution as in OFA's search: keep the best ``parent_fraction`` of everything evaluated, and
    breed a generation of ``population`` children, ``mutation_fraction`` of them by mutation (each choice
    re-drawn with ``mutation_prob``), the rest by crossover. ``trials`` counts evaluated subnets in total."""

    trials: int = 20
    population: int = 8
    parent_fraction: float = 0.25
    mutation_prob: float = 0.3
    mutation_fraction: float = 0.5
    seed: int = 0


Evaluate = Callable[[list[SubnetArch]], list[float]]
OnTrial = Callable[[Trial], None]


def _check_trials(n: int) -> None:
    if n < 1:
        raise StudioError(f"a search needs at least one trial, got {n}")


def _run_batch(
    problem: SearchProblem,
    batch: list[tuple[SubnetArch, str]],
    generation: int,
    evaluate: Evaluate,
    trials: list[Trial],
    on_trial: OnTrial | None,
) -> None:
    accuracies = evaluate([arch for arch, _ in batch])
    for (arch, origin), acc in zip(batch, accuracies, strict=True):
        trial = Trial(len(trials), arch, float(acc), problem.costs(arch), generation, origin)
        trials.append(trial)
        if on_trial is not None:
            on_trial(trial)


def random_search(
    config: RandomSearchConfig,
    problem: SearchProblem,
    evaluate: Evaluate,
    on_trial: OnTrial | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Trial]:
    """The baseline: distinct random subnets inside the limits. Returns the trials in order."""
    _check_trials(config.trials)
    rng = random.Random(config.seed)
    trials: list[Trial] = []
    seen: set[str] = set()
    generation = 0
    while len(trials) < config.trials:
        if should_stop is not None and should_stop():
            break
        size = min(config.batch_size, config.trials - len(trials))
        batch = []
        for _ in range(size):
            arch = problem.sample_feasible(rng, seen)
            seen.add(arch.key())
            batch.append((arch, "random"))
        _run_batch(problem, batch, generation, evaluate, trials, on_trial)
        generation += 1
    return trials


def evolutionary_search(
    config: EvolutionConfig,
    problem: SearchProblem,
    evaluate: Evaluate,
    on_trial: OnTrial | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Trial]:
    """Evolution under the limits: every child is checked against them before it is evaluated."""
    _check_trials(config.trials)
    rng = random.Random(config.seed)
    trials: list[Trial] = []
    seen: set[str] = set()
    first = []
    for _ in range(min(config.population, config.trials)):
        arch = problem.sample_feasible(rng, seen)
        seen.add(arch.key())
        first.append((arch, "random"))
    _run_batch(problem, first, 0, evaluate, trials, on_trial)
    generation = 1
    while len(trials) < config.trials:
        if should_stop is not None and should_stop():
            break
        ranked = sorted(trials, key=lambda t: (-t.accuracy, t.index))
        parents = [t.arch for t in ranked[: max(1, round(config.population * config.parent_fraction))]]
        size = min(config.population, config.trials - len(trials))
        batch = [_child(config, problem, parents, rng, seen) for _ in range(size)]
        _run_batch(problem, batch, generation, evaluate, trials, on_trial)
        generation += 1
    return trials


def _child(
    config: EvolutionConfig, problem: SearchProblem, parents: list[SubnetArch], rng: random.Random, seen: set[str]
) -> tuple[SubnetArch, str]:
    for _ in range(100):
        if len(parents) < 2 or rng.random() < config.mutation_fraction:
            arch, origin = mutate_arch(problem.space, rng.choice(parents), rng, config.mutation_prob), "mutation"
        else:
            a, b = rng.sample(parents, 2)
            arch, origin = crossover_arch(a, b, rng), "crossover"
        if arch.key() not in seen and problem.fits(arch):
            seen.add(arch.key())
            return arch, origin
    arch = problem.sample_feasible(rng, seen)  # the parents' neighbourhood is exhausted: explore
    seen.add(arch.key())
    return arch, "random"


@dataclass(frozen=True)
class SearchStrategy:
    """A registered strategy: its config class and the function that runs it."""

    name: str
    config_type: type
    run: Callable[..., list[Trial]]
    description: str = ""


SEARCH_STRATEGIES: dict[str, SearchStrategy] = {}


def register_strategy(strategy: SearchStrategy) -> SearchStrategy:
    """Add (or replace) a strategy by name; plugins can add their own."""
    SEARCH_STRATEGIES[strategy.name] = strategy
    return strategy


register_strategy(SearchStrategy("evolution", EvolutionConfig, evolutionary_search, "evolutionary search"))
register_strategy(SearchStrategy("random", RandomSearchConfig, random_search, "random search (baseline)"))


def strategy_for(config: Any) -> SearchStrategy:
    """The strategy whose config type ``config`` is; raises :class:`StudioError` for an unknown one."""
    for strategy in SEARCH_STRATEGIES.values():
        if isinstance(config, strategy.config_type):
            return strategy
    raise StudioError(f"no search strategy takes a {type(config).__name__}")


def make_strategy_config(name: str, **params: Any) -> Any:
    """A config of strategy ``name`` from keyword parameters (unknown ones are ignored)."""
    try:
        strategy = SEARCH_STRATEGIES[name]
    except KeyError:
        raise StudioError(f"unknown search strategy {name!r}; known: {', '.join(sorted(SEARCH_STRATEGIES))}") from None
    fields = strategy.config_type.__dataclass_fields__
    return strategy.config_type(**{k: v for k, v in params.items() if k in fields})


def pareto_front(trials: list[Trial], cost: Callable[[Trial], float]) -> list[Trial]:
    """Trials no other trial beats on both accuracy (higher) and ``cost`` (lower), by increasing cost."""
    ordered = sorted(trials, key=lambda t: (cost(t), -t.accuracy, t.index))
    front: list[Trial] = []
    best = -1.0
    for t in ordered:
        if t.accuracy > best:
            front.append(t)
            best = t.accuracy
    return front


__all__ = [
    "SEARCH_STRATEGIES",
    "EvolutionConfig",
    "RandomSearchConfig",
    "SearchStrategy",
    "Trial",
    "evolutionary_search",
    "make_strategy_config",
    "pareto_front",
    "random_search",
    "register_strategy",
    "strategy_for",
]
