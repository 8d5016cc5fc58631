"""Hardware tests: one per real board the boards plugin describes. Each looks for its board with the studio's
own detection (USB serial ports by VID:PID, UF2/mass-storage drives by their label) and, when the board is
there, deploys the digits demo to it and checks that every validation output equals the host's integer
reference. Without the board the test is skipped, saying what it looked for.

Boards whose firmware talks on a UART behind a separate USB-serial adapter (Pico, Pico 2, Nano 33 BLE Sense)
take the adapter's port from ``TINYML_STUDIO_PORT_<BOARD>`` (e.g. ``TINYML_STUDIO_PORT_PICO=/dev/ttyUSB0``).
"""

from __future__ import annotations

import os

import pytest

from studio.deploy.board_registry import get_board
from studio.deploy.detect import detect_devices

REAL_BOARDS = ("nucleo-f746zg", "pico", "pico2", "nano33ble", "esp32-s3")
SAMPLES = 20


def _port_variable(board_id: str) -> str:
    return "TINYML_STUDIO_PORT_" + board_id.upper().replace("-", "_")


def attached(board_id: str) -> tuple[str | None, str]:
    """``(port, "")`` when the board can be deployed to here, else ``(None, why not)``."""
    from studio.deploy.flash import available_flasher, find_mass_storage
    from studio.deploy.toolchain import toolchain_status

    board = get_board(board_id)
    devices = detect_devices([board])
    serial = [d.location for d in devices if d.kind == "serial" and d.board_id == board.id]
    drives = [d.location for d in devices if d.kind == "uf2" and d.board_id == board.id]
    drives += [str(p) for p in find_mass_storage(board)]
    port = os.environ.get(_port_variable(board_id)) or (serial[0] if serial else None)
    if port is None and not drives:
        ids = "/".join(f"{v:04x}:{p:04x}" for v, p in board.usb_ids)
        drive = f" and no {board.uf2_board_id} drive" if board.uf2_board_id else ""
        return None, f"{board.name} not detected (no serial port with USB id {ids}{drive}); plug it in to run this test"
    missing = toolchain_status(board)
    if missing:
        return None, f"{board.name} is attached but cannot be built for: {missing}"
    if available_flasher(board) is None:
        return None, f"{board.name} is attached but none of its flashers ({', '.join(board.flashers)}) can run here"
    if port is None:
        return (
            None,
            f"{board.name}: its drive is mounted but its serial port is not found; set {_port_variable(board_id)}",
        )
    return port, ""


@pytest.mark.slow
@pytest.mark.parametrize("board_id", REAL_BOARDS)
def test_demo_deploys_bit_exact_to_the_attached_board(board_id, tmp_path) -> None:
    port, why_not = attached(board_id)
    if port is None:
        pytest.skip(why_not)
    from studio.workflows.deploy import deploy_job
    from studio.workflows.model_spec import resolve_model_spec

    result = deploy_job(None, resolve_model_spec("demo"), board_id, str(tmp_path), "digits", SAMPLES, port)
    assert result["device"]["board_id"] == board_id
    assert result["samples"] == SAMPLES and result["mismatches"] == 0, result.get("first_mismatch")
    assert result["cycles_per_inference"] > 0


def test_every_real_board_of_the_plugin_has_a_hardware_test() -> None:
    from studio.deploy.board_registry import boards

    assert {b.id for b in boards() if not b.is_emulated} == set(REAL_BOARDS)


def test_a_missing_board_is_skipped_with_what_was_looked_for(monkeypatch) -> None:
    from studio.deploy import detect

    monkeypatch.setattr(detect, "_serial_ports", lambda: [])
    monkeypatch.setattr(detect, "find_uf2_drives", lambda roots=None: [])
    monkeypatch.setattr("studio.deploy.flash.find_mass_storage", lambda board, roots=None: [])
    monkeypatch.delenv(_port_variable("pico"), raising=False)
    port, why = attached("pico")
    assert port is None and "Raspberry Pi Pico (RP2040" in why and "2e8a:0003" in why and "RPI-RP2 drive" in why


def test_a_pico_in_bootsel_mode_needs_its_uart_adapter_port(tmp_path, monkeypatch) -> None:
    from studio.deploy import detect, uf2

    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    monkeypatch.setattr(detect, "_serial_ports", lambda: [])
    monkeypatch.setattr(detect, "find_uf2_drives", lambda roots=None: uf2.find_uf2_drives([tmp_path]))
    monkeypatch.setattr(uf2, "mount_roots", lambda: [tmp_path])  # where the flasher looks for the drive
    monkeypatch.delenv(_port_variable("pico"), raising=False)
    port, why = attached("pico")
    assert port is None and "TINYML_STUDIO_PORT_PICO" in why
    monkeypatch.setenv(_port_variable("pico"), "/dev/ttyUSB3")
    assert attached("pico") == ("/dev/ttyUSB3", "")
