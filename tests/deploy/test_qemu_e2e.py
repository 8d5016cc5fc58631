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


def test_rebuild_is_cached_and_other_cores_run_the_all_ops_model(all_ops_int8, session_dir) -> None:
    model, x = all_ops_int8
    for board_id in ("qemu-m3", "qemu-m33"):
        request = DeployRequest(get_board(board_id), session_dir / board_id, validate=4)
        r = deploy_int8(model, request, x, None)
        assert r["samples"] == 4 and r["mismatches"] == 0, board_id
        again = deploy_int8(model, DeployRequest(get_board(board_id), session_dir / board_id, validate=1), x, None)
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
