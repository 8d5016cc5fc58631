"""``tinyml-studio boards`` and ``tinyml-studio deploy`` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from studio.cli.main import main
from tests.deploy.conftest import needs_arm, needs_qemu


def test_boards_lists_every_board_as_json(capsys) -> None:
    assert main(["boards", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ids = {b["id"] for b in out["boards"]}
    assert {"qemu-m4", "nucleo-f746zg", "esp32-s3"} <= ids and isinstance(out["devices"], list)


def test_unknown_board_is_a_one_line_error(capsys, tmp_path) -> None:
    assert main(["deploy", "demo", "--data", "digits", "--board", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown board 'nope'" in capsys.readouterr().err


@pytest.mark.slow
@needs_arm
@needs_qemu
def test_deploy_demo_on_qemu_m4_prints_the_contract_keys(capsys, tmp_path) -> None:
    args = ["deploy", "demo", "--data", "digits", "--board", "qemu-m4", "--validate", "8", "--out", str(tmp_path)]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("board", "flash_bytes", "peak_sram_bytes", "sram_lower_bound_bytes", "samples", "mismatches",
                "accuracy", "instructions_per_inference"):  # fmt: skip
        assert key in out, key
    assert out["board"] == "qemu-m4" and out["samples"] == 8 and out["mismatches"] == 0
    assert out["kernels"] == "fast" and out["instructions_per_mac"] > 0
    assert [row["name"] for row in out["layer_timing"]] == [layer["name"] for layer in out["layers"]]
    assert all("instructions" in layer for layer in out["layers"])


def test_an_unknown_kernel_set_is_a_one_line_error(capsys, tmp_path) -> None:
    args = ["deploy", "demo", "--data", "digits", "--board", "qemu-m4", "--kernels", "turbo", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "unknown kernel set 'turbo' (known: fast, generic)" in capsys.readouterr().err
