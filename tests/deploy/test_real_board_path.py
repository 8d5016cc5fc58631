"""The real-board path without a board: a simulated USB board (QEMU behind a mass-storage drive, its UART on
a pty, see sim_board.py) takes the studio's real-board firmware through the mass-storage flasher, is found by
its serial port or its USB id, verified, validated bit-exact and profiled in cycles-per-tick units; a flash
that does not take is caught by the verify step; flashing tools get the command lines their manuals give."""

from __future__ import annotations

import os
import stat

import pytest

from studio.deploy import flash as flash_mod
from studio.deploy.board_registry import get_board
from studio.deploy.build import FirmwareImage
from studio.deploy.connect import wait_for_port
from studio.deploy.errors import BoardNotFoundError, FlashError, ToolchainMissingError, WrongBoardError
from studio.deploy.flash import FlashOptions, flash_firmware
from studio.deploy.pipeline import DeployRequest, deploy_int8
from tests.deploy.conftest import needs_arm, needs_qemu
from tests.deploy.sim_board import SimulatedUsbBoard, simulated_board


@pytest.fixture
def usb_board(tmp_path):
    with SimulatedUsbBoard(tmp_path / "media") as board:
        yield board


@pytest.mark.slow
@needs_arm
@needs_qemu
def test_deploy_to_a_usb_board_through_its_drive_and_serial_port(demo_int8, usb_board, tmp_path) -> None:
    model, x, y = demo_int8
    board = simulated_board()
    request = DeployRequest(board, tmp_path / "out", validate=8, port=usb_board.port, uf2_roots=(usb_board.root,))
    r = deploy_int8(model, request, x, y)
    assert r["flashed"].startswith("copied firmware.bin") and r["device"]["board_id"] == board.id
    assert r["samples"] == 8 and r["mismatches"] == 0 and r["accuracy"] == r["reference_accuracy"]
    assert "emulator_exit_status" not in r and "instructions_per_inference" not in r
    assert r["cycles_per_inference"] > 0 and r["latency_ms"] > 0 and r["cycles_per_mac"] > 0
    assert [row["name"] for row in r["layer_timing"]] == [op.name for op in model.ops]
    assert all("cycles" in row for row in r["layer_timing"])


@pytest.mark.slow
@needs_arm
@needs_qemu
def test_port_found_by_usb_id_and_a_flash_that_did_not_take(all_ops_int8, demo_int8, usb_board, tmp_path,
                                                            monkeypatch) -> None:  # fmt: skip
    from studio.deploy import connect, detect

    monkeypatch.setattr(detect, "_serial_ports", usb_board.serial_ports)
    monkeypatch.setattr(connect, "VERIFY_S", 3.0)  # the wrong-firmware case waits this long before it reports
    model, x = all_ops_int8
    board = simulated_board()
    r = deploy_int8(model, DeployRequest(board, tmp_path / "a", validate=3, uf2_roots=(usb_board.root,)), x, None)
    assert r["mismatches"] == 0 and r["samples"] == 3
    # The firmware reset itself after EXIT and answers again; the drive ignores the next image (no replug),
    # so the device still runs the first model, which the verify step reports instead of validating it.
    demo, xd, yd = demo_int8
    with pytest.raises(WrongBoardError, match="is the right board connected"):
        deploy_int8(demo, DeployRequest(board, tmp_path / "b", validate=3, uf2_roots=(usb_board.root,)), xd, yd)
    usb_board.replug()
    again = deploy_int8(demo, DeployRequest(board, tmp_path / "b", validate=3, uf2_roots=(usb_board.root,)), xd, yd)
    assert again["mismatches"] == 0 and again["build_cached"]


def test_a_port_that_never_appears_names_the_usb_ids(tmp_path, monkeypatch) -> None:
    from studio.deploy import detect

    monkeypatch.setattr(detect, "_serial_ports", lambda: [])
    board = simulated_board()
    with pytest.raises(BoardNotFoundError, match=r"1209:5d1a found within 0 s"):
        wait_for_port(board, None, timeout_s=0.0)
    with pytest.raises(BoardNotFoundError, match="ttyACM7 did not appear"):
        wait_for_port(board, str(tmp_path / "ttyACM7"), timeout_s=0.3)


def _tool(directory, name: str, status: int) -> None:
    """A stand-in for a flashing tool on PATH: records its arguments, exits with ``status``."""
    script = directory / name
    script.write_text(
        f'#!/bin/sh\necho "$@" >> "{directory}/{name}.calls"\necho "{name} said hello" >&2\nexit {status}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def _image(tmp_path, board_id: str) -> FirmwareImage:
    (tmp_path / "firmware.bin").write_bytes(b"\x00" * 64)
    (tmp_path / "firmware.elf").write_bytes(b"\x7fELF")
    return FirmwareImage(board_id, tmp_path / "firmware.elf", tmp_path / "firmware.bin", {}, 64, 0)


@pytest.mark.parametrize(
    ("board_id", "tool", "expected"),
    [
        ("nucleo-f746zg", "pyocd", "load --target stm32f746zgtx {elf}"),
        ("esp32-s3", "esptool", "--chip esp32s3 --port /dev/ttyACM5 write-flash 0x0 {bin}"),
        ("nano33ble", "bossac", "-d --port=ttyACM5 -U -i -e -w {bin} -R"),
    ],
)
def test_flashing_tools_get_their_documented_command_lines(tmp_path, monkeypatch, board_id, tool, expected) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir, tool, 0)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    image = _image(tmp_path, board_id)
    said = flash_firmware(get_board(board_id), image, FlashOptions(port="/dev/ttyACM5", uf2_roots=[tmp_path]))
    assert said.startswith(f"{tool} ")
    calls = (bin_dir / f"{tool}.calls").read_text().splitlines()
    assert calls == [expected.format(elf=image.elf, bin=image.bin)]


def test_a_failing_tool_is_retried_then_reported_with_its_last_words(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(flash_mod.time, "sleep", lambda s: None)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir, "pyocd", 3)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    logged: list[str] = []
    ctx = type("Ctx", (), {"log": lambda self, m: logged.append(m)})()
    with pytest.raises(FlashError, match=r"pyocd failed 3 times \(pyocd exited with 3: pyocd said hello\)"):
        flash_mod.flash_pyocd(get_board("nucleo-f746zg"), _image(tmp_path, "nucleo-f746zg"), FlashOptions(ctx=ctx))
    assert len((bin_dir / "pyocd.calls").read_text().splitlines()) == 3
    assert sum("attempt" in m for m in logged) == 3


def test_nucleo_falls_back_to_its_mass_storage_drive_and_esptool_needs_a_port(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no pyocd, no esptool
    drive = tmp_path / "media" / "NODE_F746ZG"
    drive.mkdir(parents=True)
    image = _image(tmp_path, "nucleo-f746zg")
    said = flash_firmware(get_board("nucleo-f746zg"), image, FlashOptions(uf2_roots=[tmp_path / "media"]))
    assert said.startswith("copied firmware.bin") and (drive / "firmware.bin").read_bytes() == image.bin.read_bytes()
    with pytest.raises(ToolchainMissingError, match="pip install esptool"):
        flash_mod.flash_esptool(get_board("esp32-s3"), image, FlashOptions(port="/dev/ttyACM0"))
    from studio.deploy import detect

    monkeypatch.setattr(detect, "_serial_ports", lambda: [])
    with pytest.raises(BoardNotFoundError, match=r"no Espressif ESP32-S3 .* found on USB"):
        flash_mod._need_port(get_board("esp32-s3"), FlashOptions())
    with pytest.raises(BoardNotFoundError, match="NODE_F746ZG drive mounted"):
        flash_mod.flash_mass_storage(get_board("nucleo-f746zg"), image, FlashOptions(uf2_roots=[tmp_path / "none"]))


def test_the_first_usable_flasher_is_named(tmp_path, monkeypatch) -> None:
    from studio.deploy.flash import available_flasher

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    nucleo = get_board("nucleo-f746zg")
    assert available_flasher(nucleo, [tmp_path]) is None
    (tmp_path / "NODE_F746ZG").mkdir()
    assert available_flasher(nucleo, [tmp_path]) == "mass_storage"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir, "pyocd", 0)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert available_flasher(nucleo, [tmp_path]) == "pyocd"
    assert available_flasher(get_board("qemu-m4")) == "qemu"


@pytest.mark.slow
@needs_arm
@needs_qemu
def test_the_systick_counter_of_m0_boards_extends_past_its_24_bits(all_ops_int8, tmp_path) -> None:
    """The Pico's counter (SysTick, 24 bits, extended by its wrap interrupt) on QEMU's M3, with a period of
    64 ticks so an inference wraps it many times: bit-exact, and timed like the CMSDK timer."""
    import dataclasses

    model, x = all_ops_int8
    m3 = get_board("qemu-m3")
    systick = dataclasses.replace(
        m3, id="qemu-m3-systick", counter="systick", extra_defines=(("STUDIO_SYSTICK_RELOAD", "0x3Fu"),)
    )
    by_systick = deploy_int8(model, DeployRequest(systick, tmp_path / "systick", validate=3), x, None)
    by_timer = deploy_int8(model, DeployRequest(m3, tmp_path / "timer", validate=3), x, None)
    assert by_systick["mismatches"] == 0 and by_systick["emulator_exit_status"] == 0
    wraps = by_systick["instructions_per_inference"] / (64 * 40)
    assert wraps > 20  # the wrap path ran many times per inference
    ratio = by_systick["instructions_per_inference"] / by_timer["instructions_per_inference"]
    assert 0.98 < ratio < 1.05, ratio  # the same inference; the wrap interrupts add a little
