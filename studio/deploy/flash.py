"""Putting firmware on a board: one handler per flashing method, retried, never left half-done silently.

Handlers: ``qemu`` (nothing to flash: the emulator loads the ELF), ``uf2`` (copy onto the bootloader's
drive), ``mass_storage`` (copy the binary onto an ST-Link/DAPLink drive), ``pyocd``, ``esptool``, ``bossac``
and ``dfu_util`` (their command-line tools). A failed attempt is retried; the bootloaders involved keep the
board in bootloader mode until a complete image has arrived, so a retry from the start recovers from a board
unplugged mid-flash, and the verify step (the firmware's model hash over serial) proves the result.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.deploy.board import Board
from studio.deploy.build import FirmwareImage
from studio.deploy.errors import BoardNotFoundError, FlashError, ToolchainMissingError
from studio.deploy.uf2 import find_uf2_drives, to_uf2

RETRIES = 3
Flasher = Callable[[Board, FirmwareImage, "FlashOptions"], str]
FLASHERS: dict[str, Flasher] = {}


class FlashOptions:
    """Where to flash: a serial ``port`` for tools that need one, drive search roots, a context for logs."""

    def __init__(self, port: str | None = None, uf2_roots: list[Path] | None = None, ctx: Any = None) -> None:
        self.port = port
        self.uf2_roots = uf2_roots
        self.ctx = ctx

    def log(self, message: str) -> None:
        if self.ctx is not None:
            self.ctx.log(message)


def flasher(name: str) -> Callable[[Flasher], Flasher]:
    def wrap(fn: Flasher) -> Flasher:
        FLASHERS[name] = fn
        return fn

    return wrap


def _retry(what: str, attempt: Callable[[], str], options: FlashOptions, wait_s: float = 1.0) -> str:
    last: Exception | None = None
    for n in range(1, RETRIES + 1):
        try:
            return attempt()
        except (OSError, subprocess.CalledProcessError, FlashError) as exc:
            last = exc
            options.log(f"{what}: attempt {n} of {RETRIES} failed ({exc}); retrying")
            time.sleep(wait_s)
    raise FlashError(
        f"{what} failed {RETRIES} times ({last}); the board keeps its bootloader until a full image arrives: "
        "reconnect it (for UF2, hold BOOTSEL/double-tap reset) and deploy again"
    )


@flasher("qemu")
def flash_qemu(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    return f"QEMU loads {image.elf.name} at start"


@flasher("uf2")
def flash_uf2(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    uf2_path = image.bin.with_suffix(".uf2")
    uf2_path.write_bytes(to_uf2(image.bin.read_bytes(), board.flash.origin, board.uf2_family))

    def attempt() -> str:
        drives = [d for d in find_uf2_drives(options.uf2_roots) if _matches(board, d.board_id)]
        if not drives:
            raise BoardNotFoundError(
                f"no {board.name} UF2 drive found: hold BOOTSEL (or double-tap reset) while plugging it in, "
                "and check that the drive is mounted"
            )
        target = drives[0].path / uf2_path.name
        shutil.copyfile(uf2_path, target)
        return f"copied {uf2_path.name} to {drives[0].path}"

    try:
        return _retry("UF2 copy", attempt, options)
    except FlashError as exc:
        if isinstance(exc.__cause__, BoardNotFoundError):
            raise exc.__cause__ from None
        raise


def _matches(board: Board, board_id: str) -> bool:
    return bool(board.uf2_board_id) and board_id.lower().startswith(board.uf2_board_id.lower())


def find_mass_storage(board: Board, roots: list[Path] | None = None) -> list[Path]:
    """Mounted drives labelled like the board's debug probe (``NODE_F746ZG`` ...) under ``roots`` (default:
    the usual mount points)."""
    from studio.deploy.uf2 import mount_roots

    if not board.uf2_board_id:
        return []
    found = []
    for root in roots if roots is not None else mount_roots():
        try:
            found += [p for p in root.iterdir() if p.is_dir() and p.name.upper() == board.uf2_board_id.upper()]
        except OSError:
            continue
    return found


#: The command-line tool of each tool-based flasher.
FLASH_TOOLS = {"pyocd": "pyocd", "esptool": "esptool", "bossac": "bossac", "dfu_util": "dfu-util"}


def available_flasher(board: Board, uf2_roots: list[Path] | None = None) -> str | None:
    """The first of the board's flashers that can run here (its tool installed, or its drive mounted)."""
    for name in board.flashers:
        if name == "qemu":
            return name
        if name == "uf2" and any(_matches(board, d.board_id) for d in find_uf2_drives(uf2_roots)):
            return name
        if name == "mass_storage" and find_mass_storage(board, uf2_roots):
            return name
        if name in FLASH_TOOLS and shutil.which(FLASH_TOOLS[name]):
            return name
    return None


@flasher("mass_storage")
def flash_mass_storage(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    candidates = find_mass_storage(board, options.uf2_roots)
    if not candidates:
        raise BoardNotFoundError(f"no {board.uf2_board_id} drive mounted: is {board.name} plugged in?")

    def attempt() -> str:
        shutil.copyfile(image.bin, candidates[0] / image.bin.name)
        return f"copied {image.bin.name} to {candidates[0]}"

    return _retry("mass-storage copy", attempt, options)


def _run_tool(name: str, args: list[str], hint: str, options: FlashOptions) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise ToolchainMissingError(f"{name} not found: {hint}")

    def attempt() -> str:
        result = subprocess.run([exe, *args], capture_output=True, text=True, timeout=180)
        options.log(result.stdout[-2000:] + result.stderr[-2000:])
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise FlashError(f"{name} exited with {result.returncode}: {tail[0]}")
        return f"{name} {' '.join(args[:3])} ... done"

    return _retry(name, attempt, options)


def _need_port(board: Board, options: FlashOptions) -> str:
    if options.port:
        return options.port
    from studio.deploy.detect import detect_devices, find_port

    port = find_port(board, detect_devices([board]))
    if port is None:
        raise BoardNotFoundError(f"no {board.name} found on USB: plug it in, or pass --port")
    return port


@flasher("pyocd")
def flash_pyocd(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    args = ["load", "--target", board.pyocd_target, str(image.elf)]
    return _run_tool(FLASH_TOOLS["pyocd"], args, "pip install pyocd (and its udev rules for the probe)", options)


@flasher("esptool")
def flash_esptool(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    args = ["--chip", "esp32s3", "--port", _need_port(board, options), "write-flash", "0x0", str(image.bin)]
    return _run_tool(FLASH_TOOLS["esptool"], args, "pip install esptool", options)


@flasher("bossac")
def flash_bossac(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    port = _need_port(board, options)
    args = ["-d", f"--port={Path(port).name}", "-U", "-i", "-e", "-w", str(image.bin), "-R"]
    hint = "apt-get install bossa-cli (double-tap reset for the bootloader)"
    return _run_tool(FLASH_TOOLS["bossac"], args, hint, options)


@flasher("dfu_util")
def flash_dfu(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    args = ["-a", "0", "-s", f"0x{board.flash.origin:08x}:leave", "-D", str(image.bin)]
    return _run_tool(FLASH_TOOLS["dfu_util"], args, "apt-get install dfu-util", options)


def flash_firmware(board: Board, image: FirmwareImage, options: FlashOptions) -> str:
    """Flash with the board's first flasher whose tool or drive is available; returns what was done.

    Raises :class:`BoardNotFoundError`, :class:`ToolchainMissingError` (no tool at all) or :class:`FlashError`.
    """
    errors: list[str] = []
    for name in board.flashers:
        try:
            return FLASHERS[name](board, image, options)
        except (BoardNotFoundError, ToolchainMissingError) as exc:
            errors.append(str(exc))
    first = errors[0] if errors else f"{board.name} has no flasher"
    if len(errors) > 1:
        first += f" (also tried: {'; '.join(errors[1:])})"
    raise BoardNotFoundError(first)
