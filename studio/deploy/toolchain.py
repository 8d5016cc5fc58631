"""Finding the tools a board needs (compiler, QEMU, flashers) and saying how to get the missing ones."""

from __future__ import annotations

import shutil
from pathlib import Path

from studio.deploy.board import Board
from studio.deploy.errors import ToolchainMissingError


def compiler(board: Board) -> Path:
    """The board's C compiler (``<toolchain>-gcc``); raises :class:`ToolchainMissingError` with the fix."""
    name = f"{board.toolchain}-gcc"
    found = shutil.which(name)
    if found is None:
        raise ToolchainMissingError(f"{name} not found, needed to build for {board.name}: {board.toolchain_hint}")
    return Path(found)


def tool(board: Board, suffix: str) -> Path:
    """Another binutils tool of the board's toolchain (``objcopy``, ``size``)."""
    found = shutil.which(f"{board.toolchain}-{suffix}")
    if found is None:
        raise ToolchainMissingError(f"{board.toolchain}-{suffix} not found: {board.toolchain_hint}")
    return Path(found)


def qemu_binary() -> Path:
    """``qemu-system-arm``; raises :class:`ToolchainMissingError` with the fix."""
    found = shutil.which("qemu-system-arm")
    if found is None:
        raise ToolchainMissingError(
            "qemu-system-arm not found, needed for the emulated boards: install Debian's qemu-system-arm "
            "(make setup does it)"
        )
    return Path(found)


def toolchain_status(board: Board) -> str | None:
    """Why the board cannot be built for here (one line), or ``None`` when its compiler is installed."""
    try:
        compiler(board)
        if board.is_emulated:
            qemu_binary()
    except ToolchainMissingError as exc:
        return str(exc)
    return None
