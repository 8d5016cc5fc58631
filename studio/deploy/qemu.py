"""Running firmware on an emulated board: QEMU with the UART on a pseudo-terminal, opened with pyserial.

Why a pty and not stdio: pyserial on ``/dev/pts/N`` is exactly the code path of a USB board's
``/dev/ttyACM0``, so the validator is tested without hardware. ``-icount shift=S`` makes virtual time advance
2**S ns per instruction, so the firmware's timer measures instructions; semihosting carries the firmware's
exit status out as QEMU's.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from studio.deploy.board import Board
from studio.deploy.errors import DeployError
from studio.deploy.protocol import open_serial
from studio.deploy.toolchain import qemu_binary

_PTY_LINE = re.compile(r"char device redirected to (/dev/pts/\d+)")


class EmulatorError(DeployError):
    """QEMU did not start, or exited with a failure."""


def qemu_command(board: Board, elf: Path) -> list[str]:
    """The QEMU command line for ``board`` running ``elf``; raises :class:`EmulatorError` for a real board."""
    if board.emulated is None:
        raise EmulatorError(f"{board.name} is not an emulated board")
    return [
        str(qemu_binary()),
        "-machine",
        board.emulated.machine,
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "pty",
        "-semihosting-config",
        "enable=on,target=native",
        "-icount",
        f"shift={board.emulated.icount_shift}",
        "-kernel",
        str(elf),
    ]


class QemuSession:
    """A running emulated board: ``port`` is a pyserial port on its UART0; ``close()`` returns QEMU's exit
    status (the firmware's, through semihosting). Use as a context manager."""

    def __init__(self, board: Board, elf: Path, *, timeout_s: float = 10.0, start_timeout_s: float = 15.0) -> None:
        self.board = board
        self.output: list[str] = []
        try:
            self.process = subprocess.Popen(
                qemu_command(board, elf),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        except OSError as exc:
            raise EmulatorError(f"cannot start QEMU: {exc}") from exc
        self.pty = self._wait_for_pty(start_timeout_s)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.port: Any = open_serial(self.pty, board.baud, timeout_s)

    def _wait_for_pty(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line.rstrip())
            match = _PTY_LINE.search(line)
            if match:
                return match.group(1)
        self.process.kill()
        self.process.wait()
        said = " | ".join(self.output[-3:]) or "no output"
        raise EmulatorError(f"QEMU ({self.board.emulated.machine}) did not open its serial port: {said}")

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())

    def close(self, timeout_s: float = 5.0) -> int:
        """Close the port and wait for QEMU to exit (killing it after ``timeout_s``); returns its status."""
        with contextlib.suppress(Exception):  # the pty is gone once QEMU exits
            self.port.close()
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9

    def __enter__(self) -> QemuSession:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.close(0.1)
