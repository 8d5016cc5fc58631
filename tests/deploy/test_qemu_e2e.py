"""End to end on emulated boards: the firmware builds, runs on QEMU, answers over the serial protocol on a
pty, and every validation output equals the host's integer reference. Built once per session."""

from __future__ import annotations

import numpy as np
import pytest

from studio.deploy.board_registry import get_board
from studio.deploy.pipeline import DeployRequest, deploy_int8
from tests.deploy.conftest import needs_arm, needs_qemu

pytestmark = [needs_arm, needs_qemu, pytest.mark.slow]


@pytest.fixture(scope="session")
def demo_on_m4(demo_int8, session_dir):
    model, x, y = demo_int8
    request = DeployRequest(get_board("qemu-m4"), session_dir / "qemu-m4", validate=25)
    return deploy_int8(model, request, x, y)


def test_demo_on_qemu_m4_is_bit_exact_and_measured(demo_on_m4) -> None:
    r = demo_on_m4
    assert r["samples"] == 25 and r["mismatches"] == 0 and r["bit_exact"]
    assert r["accuracy"] == r["reference_accuracy"] and r["accuracy"] > 0.85
    assert r["emulator_exit_status"] == 0
    assert r["sram_lower_bound_bytes"] <= r["arena_bytes"] <= r["peak_sram_bytes"]
    assert r["flash_bytes"] > r["const_bytes"] > 0
    assert 10_000 < r["instructions_per_inference"] < 20_000_000
    assert [layer["name"] for layer in r["memory"]["layers"]][:2] == ["conv1", "conv2"]
    # One PROFILE frame timed each layer on its own: they add up to the whole inference (each layer's count
    # is rounded to the 40-instruction timer tick, so allow a few ticks per layer).
    names = [layer["name"] for layer in r["memory"]["layers"]]
    assert r["kernels"] == "fast" and [row["name"] for row in r["layer_timing"]] == names
    total = sum(row["instructions"] for row in r["layer_timing"])
    assert abs(total - r["instructions_per_inference"]) <= 40 * 3 * len(r["layer_timing"])
    conv2 = next(row for row in r["layer_timing"] if row["name"] == "conv2")
    assert conv2["macs"] == 8 * 8 * 32 * 3 * 3 * 16 and conv2["instructions_per_mac"] > 0
    assert r["memory"]["layers"][1]["instructions"] == conv2["instructions"]
    assert r["macs_per_inference"] == sum(row["macs"] for row in r["layer_timing"])


@pytest.mark.parametrize(
    ("board_id", "kernels"),
    [("qemu-m3", "fast"), ("qemu-m7", "fast"), ("qemu-m33", "fast"), ("qemu-m4", "generic")],
    ids=["m3-portable", "m7-dsp", "m33-dsp", "m4-generic"],
)
def test_every_core_and_kernel_set_runs_the_all_ops_model_bit_exact(all_ops_int8, session_dir, board_id, kernels):
    model, x = all_ops_int8
    request = DeployRequest(get_board(board_id), session_dir / f"{board_id}-{kernels}", validate=6, kernels=kernels)
    r = deploy_int8(model, request, x, None)
    assert r["samples"] == 6 and r["mismatches"] == 0 and r["kernels"] == kernels
    assert len(r["layer_timing"]) == len(model.ops)


def test_rebuild_is_cached(all_ops_int8, session_dir) -> None:
    model, x = all_ops_int8
    request = DeployRequest(get_board("qemu-m33"), session_dir / "qemu-m33-fast", validate=1)
    deploy_int8(model, request, x, None)  # built by the test above, or now
    again = deploy_int8(model, request, x, None)
    assert again["build_cached"] and again["mismatches"] == 0


def test_a_wrong_output_is_caught_and_its_first_layer_named(demo_int8, session_dir, monkeypatch) -> None:
    """Corrupt one requantization multiplier in the reference's copy only: the device then 'differs'."""
    import dataclasses

    from studio.deploy import validate as validate_mod
    from studio.deploy.protocol import DeviceClient
    from studio.deploy.qemu import QemuSession

    model, x, y = demo_int8
    elf = session_dir / "qemu-m4" / "build" / "firmware.elf"
    if not elf.exists():
        pytest.skip("the qemu-m4 build of the first test is missing")
    ops = list(model.ops)
    mult = ops[1].multiplier.copy()
    mult[0] = max(mult[0] - 2**28, 2**30)
    ops[1] = dataclasses.replace(ops[1], multiplier=mult)
    tampered = dataclasses.replace(model, ops=tuple(ops))
    with QemuSession(get_board("qemu-m4"), elf) as session:
        client = DeviceClient(session.port, "qemu-m4")
        result = validate_mod.validate_on_device(client, tampered, x[:6], y[:6])
        client.exit()
    assert result.mismatches >= 1
    assert result.first_mismatch["layer"] == "conv2"
    assert np.isfinite(result.samples)
