"""The firmware around the generated model: which template sources a board takes, its linker script.

Templates live in ``resources/firmware`` (C99, no libc): start-up and vector table, the framed serial protocol,
one UART driver per serial peripheral family, one counter per timing method, and the exit path.
"""

from __future__ import annotations

from pathlib import Path

from studio.deploy.board import Board

#: Stack reserved above the arena and static data (bytes); the linker script checks it fits.
STACK_BYTES = 4096


def firmware_dir() -> Path:
    """The folder of the C templates."""
    return Path(__file__).resolve().parents[2] / "resources" / "firmware"


def template_sources(board: Board) -> list[Path]:
    """The template ``.c`` files the board's firmware is built from."""
    root = firmware_dir()
    exit_path = "platform_semihost.c" if board.is_emulated else "platform_reset.c"
    names = ["startup.c", "protocol.c", f"uart_{board.serial_driver}.c", f"counter_{board.counter}.c", exit_path]
    return [root / n for n in names]


def linker_script(board: Board, stack_bytes: int = STACK_BYTES) -> str:
    """The board's linker script, from ``link.ld.in`` with its flash and SRAM regions filled in."""
    text = (firmware_dir() / "link.ld.in").read_text(encoding="utf-8")
    values = {
        "BOARD_ID": board.id,
        "FLASH_ORIGIN": f"0x{board.flash.origin:08x}",
        "FLASH_LENGTH": str(board.flash.length),
        "SRAM_ORIGIN": f"0x{board.sram.origin:08x}",
        "SRAM_LENGTH": str(board.sram.length),
        "STACK_BYTES": str(stack_bytes),
    }
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def board_defines(board: Board) -> dict[str, str]:
    """Preprocessor definitions the templates read (addresses, clock, baud rate, board id)."""
    defines = {
        "STUDIO_UART_BASE": f"0x{board.uart_base:08x}u",
        "STUDIO_TIMER_BASE": f"0x{board.timer_base:08x}u",
        "STUDIO_CLOCK_HZ": f"{board.clock_hz}u",
        "STUDIO_BAUD": f"{board.baud}u",
        "STUDIO_BOARD_ID": f'"{board.id}"',
    }
    if board.has_dsp:
        defines["STUDIO_HAS_DSP"] = "1"
    defines.update(dict(board.extra_defines))
    return defines
