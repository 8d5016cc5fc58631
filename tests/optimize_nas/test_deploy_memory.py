"""One memory model: the search's peak SRAM and flash are what deploy plans and stores for the same subnet."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from studio.optimize.nas.arch import largest_arch, sample_arch, smallest_arch
from studio.optimize.nas.costs import peak_sram_bytes, subnet_costs, subnet_graph
from studio.optimize.nas.space import default_space


def _lowered_for_real(space, arch):  # type: ignore[no-untyped-def]
    """The subnet as deploy gets it: a standalone module, traced, calibrated on digits and lowered to int8."""
    from studio.data.digits import load_digits_dataset
    from studio.int8.lower import lower_module
    from studio.optimize.nas.subnet import build_subnet

    shape = (1, 1, arch.resolution, arch.resolution)
    x = load_digits_dataset().adapted_to(shape).x[:32].astype(np.float32)
    return lower_module(build_subnet(space, arch, 1, 10).eval(), shape, x, name=arch.key())


def _buffers(plan):  # type: ignore[no-untyped-def]
    return [(b.name, b.size, b.first, b.last) for b in plan.lifetimes.buffers]


def test_peak_sram_and_flash_equal_deploys_arena_and_constants() -> None:
    from studio.deploy.board_registry import get_board
    from studio.deploy.codegen.generate import generate_model
    from studio.deploy.codegen.kernel_sets import CodegenConfig
    from studio.deploy.report import memory_report
    from studio.optimize.nas.deploy_memory import subnet_memory_plan

    space = default_space()
    rng = random.Random(4)
    archs = [smallest_arch(space), largest_arch(space), sample_arch(space, rng), sample_arch(space, rng)]
    board = get_board("qemu-m4")
    for arch in archs:
        costs = subnet_costs(space, arch, 1, 10)
        model = _lowered_for_real(space, arch)
        for kernels in ("fast", "generic"):
            generated = generate_model(model, board, config=CodegenConfig(kernels))
            assert costs.peak_sram_bytes == generated.plan.arena_bytes, (arch.key(), kernels)
        # Not only the same total: the same buffers, sizes and live ranges, so the same placement.
        assert _buffers(subnet_memory_plan(subnet_graph(space, arch, 1, 10))) == _buffers(generated.plan)
        # Flash: the constants deploy stores with the generic kernels (the fast set adds its tables).
        assert costs.flash_bytes == memory_report(model, generated)["const_bytes"] == model.weight_bytes
    assert peak_sram_bytes(subnet_graph(space, archs[1], 1, 10)) > peak_sram_bytes(subnet_graph(space, archs[0], 1, 10))


def test_the_arena_counts_in_place_depthwise_and_residual_adds(tiny_space) -> None:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.deploy_memory import subnet_memory_plan

    plan = subnet_memory_plan(subnet_graph(tiny_space, largest_arch(tiny_space), 1, 10))
    kinds = set(plan.lifetimes.inplace.values())
    assert {"inplace_channel", "inplace", "alias"} <= kinds
    assert plan.lower_bound <= plan.arena_bytes


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs QEMU and arm-none-eabi-gcc")
def test_a_searched_subnet_deployed_on_qemu_reports_the_searchs_arena(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """End to end (about 3 s): deploy's JSON for the subnet has ``arena_bytes`` equal to the search's peak SRAM, and the
    whole RAM the firmware uses is that arena plus the stack and a few bytes of firmware state, within what
    the search's board fit check adds."""
    from studio.deploy.board_registry import get_board
    from studio.deploy.firmware import STACK_BYTES
    from studio.deploy.pipeline import DeployRequest, deploy_int8
    from studio.int8.reference import input_codes
    from studio.optimize.nas.boards import search_board

    space = default_space()
    arch = sample_arch(space, random.Random(3))
    costs = subnet_costs(space, arch, 1, 10)
    model = _lowered_for_real(space, arch)
    x = input_codes(model, np.zeros((2, 1, arch.resolution, arch.resolution), np.float32))
    result = deploy_int8(
        model, DeployRequest(get_board("qemu-m4"), tmp_path, validate=2, profile_layers=False), x, None
    )
    assert result["mismatches"] == 0
    assert result["arena_bytes"] == costs.peak_sram_bytes
    overhead = result["peak_sram_bytes"] - costs.peak_sram_bytes
    assert STACK_BYTES <= overhead <= search_board("qemu-m4").sram_overhead_bytes
