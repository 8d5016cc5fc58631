"""Constrained search: every candidate within the limits, seeded, no duplicates, evolution learns, Pareto."""

from __future__ import annotations

import random

import pytest

from studio.optimize.nas.arch import SubnetArch, largest_arch, sample_arch, smallest_arch
from studio.optimize.nas.constraints import Constraints, NoFeasibleSubnetError
from studio.optimize.nas.costs import subnet_costs
from studio.optimize.nas.problem import SearchProblem
from studio.optimize.nas.search import (
    EvolutionConfig,
    RandomSearchConfig,
    evolutionary_search,
    make_strategy_config,
    pareto_front,
    random_search,
    strategy_for,
)


def _proxy_accuracy(batch: list[SubnetArch]) -> list[float]:
    """A deterministic stand-in for accuracy that rewards capacity, so evolution has something to learn."""
    return [sum(sum(e) for e in a.expands) / 40 + a.width / 4 + a.resolution / 100 for a in batch]


def _median_limits(space) -> Constraints:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    sram = sorted(subnet_costs(space, sample_arch(space, rng), 1, 10).peak_sram_bytes for _ in range(40))
    macs = sorted(subnet_costs(space, sample_arch(space, rng), 1, 10).macs for _ in range(40))
    return Constraints(max_sram_bytes=sram[20], max_macs=macs[25])


@pytest.mark.parametrize("search", ["evolution", "random"])
def test_every_candidate_meets_the_limits_and_none_repeats(tiny_space, search: str) -> None:  # type: ignore[no-untyped-def]
    limits = _median_limits(tiny_space)
    problem = SearchProblem(tiny_space, 1, 10, limits)
    config = make_strategy_config(search, trials=14, population=5, batch_size=5, seed=1)
    seen: list[int] = []
    trials = strategy_for(config).run(config, problem, _proxy_accuracy, lambda t: seen.append(t.index))
    assert [t.index for t in trials] == seen == list(range(14))
    assert len({t.arch.key() for t in trials}) == 14
    for t in trials:
        assert t.costs.peak_sram_bytes <= limits.max_sram_bytes
        assert t.costs.macs <= limits.max_macs
        assert limits.satisfied(t.costs)


def test_same_seed_same_trials_other_seed_other_trials(tiny_space) -> None:  # type: ignore[no-untyped-def]
    problem = SearchProblem(tiny_space, 1, 10)
    a = evolutionary_search(EvolutionConfig(trials=10, population=4, seed=3), problem, _proxy_accuracy)
    b = evolutionary_search(EvolutionConfig(trials=10, population=4, seed=3), problem, _proxy_accuracy)
    c = evolutionary_search(EvolutionConfig(trials=10, population=4, seed=4), problem, _proxy_accuracy)
    assert [t.arch.key() for t in a] == [t.arch.key() for t in b]
    assert [t.arch.key() for t in a] != [t.arch.key() for t in c]


def test_evolution_beats_random_search_on_a_learnable_score(tiny_space) -> None:  # type: ignore[no-untyped-def]
    problem = SearchProblem(tiny_space, 1, 10)
    evo, rnd = [], []
    for seed in range(4):
        evo.append(
            max(t.accuracy for t in evolutionary_search(EvolutionConfig(24, 6, seed=seed), problem, _proxy_accuracy))
        )
        rnd.append(
            max(t.accuracy for t in random_search(RandomSearchConfig(24, 6, seed=seed), problem, _proxy_accuracy))
        )
    assert sum(evo) > sum(rnd)
    assert {t.origin for t in evolutionary_search(EvolutionConfig(24, 6), problem, _proxy_accuracy)} >= {
        "random",
        "mutation",
    }


def test_impossible_limits_give_one_clear_line(tiny_space) -> None:  # type: ignore[no-untyped-def]
    problem = SearchProblem(tiny_space, 1, 10, Constraints(max_sram_bytes=10))
    with pytest.raises(NoFeasibleSubnetError, match="even the smallest has peak SRAM bytes"):
        random_search(RandomSearchConfig(trials=2), problem, _proxy_accuracy)
    with pytest.raises(Exception, match="positive"):
        Constraints(max_macs=-1)


def test_tight_limits_fall_back_to_the_smallest_neighbourhood(tiny_space) -> None:  # type: ignore[no-untyped-def]
    small = subnet_costs(tiny_space, smallest_arch(tiny_space), 1, 10)
    problem = SearchProblem(tiny_space, 1, 10, Constraints(max_macs=small.macs))
    trials = random_search(RandomSearchConfig(trials=1), problem, _proxy_accuracy)
    assert trials[0].costs.macs <= small.macs


def test_pareto_front_keeps_only_undominated_trials(tiny_space) -> None:  # type: ignore[no-untyped-def]
    problem = SearchProblem(tiny_space, 1, 10)
    trials = random_search(RandomSearchConfig(trials=12, seed=2), problem, _proxy_accuracy)
    front = pareto_front(trials, lambda t: t.costs.macs)
    for t in trials:
        dominated = any(
            o.accuracy >= t.accuracy
            and o.costs.macs <= t.costs.macs
            and o is not t
            and (o.accuracy > t.accuracy or o.costs.macs < t.costs.macs)
            for o in trials
        )
        assert (t in front) == (not dominated)
    assert largest_arch(tiny_space).key()  # the space has a largest network


def test_latency_table_measures_once_and_reloads(tiny_space, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.boards import search_board
    from studio.optimize.nas.costs import subnet_graph
    from studio.optimize.nas.latency_table import EstimatedBoardLatency, MeasuredLatencyTable, board_latencies

    graph = subnet_graph(tiny_space, smallest_arch(tiny_space), 1, 10)
    table = MeasuredLatencyTable()
    ms = table.graph_latency_ms(graph)
    assert ms > 0 and table.measured_now == len({*table.entries})
    table.save(tmp_path / "t.json")
    again = MeasuredLatencyTable.load(tmp_path / "t.json", measure=False)
    assert again.graph_latency_ms(graph) == pytest.approx(ms)
    big = subnet_graph(tiny_space, largest_arch(tiny_space), 1, 10)
    with pytest.raises(KeyError):
        again.graph_latency_ms(big)
    est = EstimatedBoardLatency(search_board("nano33ble"))
    assert est.graph_latency_ms(big) > est.graph_latency_ms(graph) > 0
    assert set(board_latencies(graph)) >= {"nano33ble", "pico", "nucleo-f746zg"}
    problem = SearchProblem(tiny_space, 1, 10, Constraints(max_latency_ms=1e6), MeasuredLatencyTable())
    assert problem.costs(smallest_arch(tiny_space)).latency_ms > 0
