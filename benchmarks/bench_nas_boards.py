"""The search's memory and speed models against deploy: the same arena, what it costs per candidate, and the
cycles-per-MAC table against QEMU.

Measured in one run:

* per candidate, the search's peak SRAM (:func:`studio.optimize.nas.costs.subnet_costs`: the int8 skeleton
  planned by deploy's planner) against lowering the standalone subnet for real (trace, calibrate, lower,
  plan), the baseline; the arenas must be equal;
* without ``quick``: every subnet deployed to qemu-m3/m4/m7/m33 (instructions per MAC, ``-icount``) and the
  Cortex-M4 cycle model (:mod:`studio.deploy.cycles`), against
  :data:`studio.optimize.nas.boards.CORE_CYCLES_PER_MAC`.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.result import Target, bench_result

QEMU_CORES = {"qemu-m3": "cortex-m3", "qemu-m4": "cortex-m4", "qemu-m7": "cortex-m7", "qemu-m33": "cortex-m33"}


def _subnets(quick: bool) -> list[Any]:
    from studio.optimize.nas.arch import sample_arch, smallest_arch
    from studio.optimize.nas.space import default_space

    space = default_space()
    archs = [sample_arch(space, random.Random(seed)) for seed in (3, 5)] + [smallest_arch(space)]
    return [(space, a) for a in (archs[:1] if quick else archs)]


def _lower(space: Any, arch: Any, x: np.ndarray) -> Any:
    from studio.int8.lower import lower_module
    from studio.optimize.nas.subnet import build_subnet

    shape = (1, 1, arch.resolution, arch.resolution)
    return lower_module(build_subnet(space, arch, 1, 10).eval(), shape, x, name=arch.key())


def _cost_per_candidate(subnets: list[Any], images: Any) -> tuple[dict[str, float], dict[str, float], bool]:
    import torch

    from studio.deploy.lifetimes import compute_lifetimes
    from studio.deploy.planner import plan_memory
    from studio.optimize.nas.costs import subnet_costs

    torch.set_num_threads(1)
    search_s, lower_s, equal = [], [], True
    for space, arch in subnets:
        x = images.adapted_to((1, 1, arch.resolution, arch.resolution)).x[:32].astype(np.float32)
        _lower(space, arch, x)  # warm-up: fx and the calibration code load once
        t0 = time.perf_counter()
        for _ in range(20):
            costs = subnet_costs(space, arch, 1, 10)
        search_s.append((time.perf_counter() - t0) / 20)
        t0 = time.perf_counter()
        arena = plan_memory(compute_lifetimes(_lower(space, arch, x))).arena_bytes
        lower_s.append(time.perf_counter() - t0)
        equal = equal and arena == costs.peak_sram_bytes
    return (
        {"search_costs_per_candidate_ms": 1e3 * statistics.fmean(search_s)},
        {"lower_and_plan_per_candidate_ms": 1e3 * statistics.fmean(lower_s)},
        equal,
    )


def _qemu_speeds(subnets: list[Any], images: Any) -> dict[str, float]:
    from studio.deploy.board_registry import get_board
    from studio.deploy.cycles import estimate_cycles
    from studio.deploy.pipeline import DeployRequest, deploy_int8
    from studio.int8.reference import input_codes

    per_core: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (space, arch) in enumerate(subnets):
            x = images.adapted_to((1, 1, arch.resolution, arch.resolution)).x[:32].astype(np.float32)
            model = _lower(space, arch, x)
            codes = input_codes(model, x[:1])
            for board_id, core in QEMU_CORES.items():
                request = DeployRequest(get_board(board_id), Path(tmp) / f"{i}-{board_id}", 1, profile_layers=False)
                r = deploy_int8(model, request, codes, None)
                per_core.setdefault(f"{core}_instructions_per_mac", []).append(r["instructions_per_mac"])
                macs = r["macs_per_inference"]
            cycles = estimate_cycles(model, get_board("qemu-m4"), codes[0], Path(tmp) / f"{i}-trace", "fast")
            per_core.setdefault("cortex-m4_cycles_per_mac_model", []).append(cycles["cycles"] / macs)
    return {k: statistics.fmean(v) for k, v in per_core.items()}


def run(quick: bool = False) -> dict[str, Any]:
    """Cost per candidate and arena equality; without ``quick`` also QEMU's instructions and cycles per MAC."""
    from studio.data.digits import load_digits_dataset
    from studio.optimize.nas.boards import CORE_CYCLES_PER_MAC

    images = load_digits_dataset()
    subnets = _subnets(quick)
    metrics, baseline, equal = _cost_per_candidate(subnets, images)
    speedup = baseline["lower_and_plan_per_candidate_ms"] / metrics["search_costs_per_candidate_ms"]
    targets = [
        Target("search arena == deploy's arena", equal, "==", True),
        Target("search costs x faster than lowering", speedup, ">=", 10.0),
    ]
    ratios = {"lowering_over_search_costs": speedup}
    notes = [f"{len(subnets)} subnet(s) of the default space"]
    if not quick and shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc"):
        speeds = _qemu_speeds(subnets, images)
        metrics.update(speeds)
        modelled = speeds["cortex-m4_cycles_per_mac_model"]
        ratios["m4_table_over_cycle_model"] = CORE_CYCLES_PER_MAC["cortex-m4"] / modelled
        targets.append(
            Target("M4 table within 15% of the cycle model", abs(ratios["m4_table_over_cycle_model"] - 1), "<=", 0.15)
        )
    elif not quick:
        notes.append("QEMU or arm-none-eabi-gcc missing: speeds not measured")
    return bench_result(
        "NAS memory model vs deploy (same arena, cost per candidate) and its per-core speeds vs QEMU",
        metrics,
        baseline,
        ratios,
        targets,
        notes,
    )
