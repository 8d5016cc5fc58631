"""UF2 files against the specification, UF2 drive and USB serial detection, flashing with retries."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from studio.deploy import flash as flash_mod
from studio.deploy.board_registry import get_board
from studio.deploy.build import FirmwareImage
from studio.deploy.detect import detect_devices, find_port
from studio.deploy.errors import BoardNotFoundError, FlashError
from studio.deploy.flash import FlashOptions, flash_firmware
from studio.deploy.uf2 import find_uf2_drives, parse_uf2, to_uf2


def test_uf2_blocks_follow_the_specification() -> None:
    data = bytes(range(256)) * 3 + b"tail"
    blob = to_uf2(data, 0x10000000, 0xE48BFF56)
    assert len(blob) == 4 * 512
    for n in range(4):
        block = blob[n * 512 : (n + 1) * 512]
        m0, m1, flags, addr, size, no, count, family = struct.unpack("<8I", block[:32])
        assert (m0, m1) == (0x0A324655, 0x9E5D5157)
        assert struct.unpack("<I", block[508:])[0] == 0x0AB16F30
        assert flags & 0x00002000 and family == 0xE48BFF56
        assert addr == 0x10000000 + 256 * n and size == 256 and no == n and count == 4
        assert block[32 + 256 : 508] == b"\0" * (476 - 256)  # the data area is padded with zeros
    payload = b"".join(b.payload for b in parse_uf2(blob))
    assert payload[: len(data)] == data and payload[len(data) :] == b"\0" * (1024 - len(data))
    with pytest.raises(ValueError, match="magic"):
        parse_uf2(b"\0" * 512)


def _drive(root, name: str, board_id: str):
    drive = root / name
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text(f"UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: {board_id}\n")
    return drive


def test_uf2_drive_and_usb_serial_detection(tmp_path) -> None:
    _drive(tmp_path, "RPI-RP2", "RPI-RP2")
    (tmp_path / "USB-STICK").mkdir()
    drives = find_uf2_drives([tmp_path])
    assert [d.board_id for d in drives] == ["RPI-RP2"]
    ports = [
        SimpleNamespace(device="/dev/ttyACM0", vid=0x0483, pid=0x374B, description="STM32 STLink"),
        SimpleNamespace(device="/dev/ttyUSB0", vid=0x1234, pid=0x5678, description="something else"),
        SimpleNamespace(device="/dev/ttyS0", vid=None, pid=None, description="n/a"),
    ]
    boards = [get_board("nucleo-f746zg"), get_board("pico")]
    devices = detect_devices(boards, ports=ports, uf2_roots=[tmp_path])
    assert {(d.kind, d.board_id) for d in devices} == {("serial", "nucleo-f746zg"), ("uf2", "pico")}
    assert find_port(boards[0], devices) == "/dev/ttyACM0"


def _image(tmp_path) -> FirmwareImage:
    binary = tmp_path / "firmware.bin"
    binary.write_bytes(b"\x01\x02" * 300)
    return FirmwareImage("pico", tmp_path / "firmware.elf", binary, {}, 600, 0)


def test_uf2_flash_copies_onto_the_matching_drive(tmp_path) -> None:
    drive = _drive(tmp_path / "media", "RPI-RP2", "RPI-RP2")
    said = flash_firmware(get_board("pico"), _image(tmp_path), FlashOptions(uf2_roots=[tmp_path / "media"]))
    blocks = parse_uf2((drive / "firmware.uf2").read_bytes())
    assert "RPI-RP2" in said and blocks[0].address == get_board("pico").flash.origin


def test_no_board_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(BoardNotFoundError, match="BOOTSEL"):
        flash_firmware(get_board("pico"), _image(tmp_path), FlashOptions(uf2_roots=[tmp_path]))


def test_unplugged_mid_flash_is_retried_then_reported(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(flash_mod.time, "sleep", lambda s: None)
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 2:
            raise OSError("[Errno 5] Input/output error (device unplugged)")
        return "done"

    assert flash_mod._retry("UF2 copy", flaky, FlashOptions()) == "done" and len(calls) == 2

    def dead() -> str:
        raise OSError("No such device")

    with pytest.raises(FlashError, match="reconnect"):
        flash_mod._retry("UF2 copy", dead, FlashOptions())


def test_missing_flash_tool_names_the_package(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(flash_mod.shutil, "which", lambda name: None)
    with pytest.raises(BoardNotFoundError, match="pyocd"):
        flash_firmware(get_board("nucleo-f746zg"), _image(tmp_path), FlashOptions(uf2_roots=[tmp_path]))
