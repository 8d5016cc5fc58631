"""Memory planner: lifetimes, in-place decisions, placements without overlap, the lower bound."""

from __future__ import annotations

import numpy as np

from studio.deploy.lifetimes import Buffer, Lifetimes, compute_lifetimes
from studio.deploy.planner import HEURISTICS, check_plan, place, plan_memory


def test_demo_plan_reaches_the_lower_bound_with_pool_in_place_and_flatten_aliased(demo_int8) -> None:
    model, _, _ = demo_int8
    life = compute_lifetimes(model)
    assert life.inplace == {"pool": "inplace", "flatten": "alias"}
    plan = plan_memory(life)
    check_plan(plan)
    # conv2 reads 8x8x16 and writes 8x8x32 at once: the largest live sum, and the plan reaches it.
    assert plan.lower_bound == 8 * 8 * 16 + 8 * 8 * 32
    assert plan.arena_bytes == plan.lower_bound
    without = plan_memory(compute_lifetimes(model, allow_inplace=False))
    assert without.arena_bytes >= plan.arena_bytes


def test_all_ops_model_uses_every_kind_of_sharing_and_plans_validly(all_ops_int8) -> None:
    model, _ = all_ops_int8
    life = compute_lifetimes(model)
    assert set(life.inplace.values()) >= {"alias", "inplace_channel"}
    assert any(b.kind == "scratch" for b in life.buffers)
    plan = plan_memory(life)
    check_plan(plan)
    assert plan.lower_bound <= plan.arena_bytes <= 1.05 * plan.lower_bound + 8
    # Input and output buffers are counted: the model input is live at step 0.
    assert life.buffer_of(model.inputs[0]).first == 0
    assert life.buffer_of(model.outputs[0]).last == len(model.ops) - 1


def test_every_heuristic_gives_a_valid_placement_and_the_best_is_kept() -> None:
    rng = np.random.default_rng(3)
    buffers = []
    for i in range(30):
        first = int(rng.integers(0, 20))
        buffers.append(Buffer(f"b{i}", (f"b{i}",), int(rng.integers(1, 500)), first, first + int(rng.integers(0, 5))))
    life = Lifetimes(tuple(buffers), tuple(f"s{i}" for i in range(25)), {})
    plan = plan_memory(life)
    for placement in plan.tried:
        check_plan(type(plan)(life, placement, plan.tried, plan.lower_bound))
        assert placement.arena_bytes >= life.lower_bound()
    assert plan.arena_bytes == min(p.arena_bytes for p in plan.tried)
    assert {p.heuristic for p in plan.tried} == set(HEURISTICS)


def test_place_reuses_memory_of_dead_buffers() -> None:
    a = Buffer("a", ("a",), 100, 0, 1)
    b = Buffer("b", ("b",), 100, 1, 2)
    c = Buffer("c", ("c",), 100, 2, 3)
    placement = place([a, b, c], HEURISTICS["first-fit-by-start"])
    assert placement.offsets["a"] == placement.offsets["c"] == 0
    assert placement.offsets["b"] == 100 and placement.arena_bytes == 200
