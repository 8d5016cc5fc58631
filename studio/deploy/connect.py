"""Reaching the firmware after flashing: the serial port (QEMU's pty, or a board's port once it appears), and
the verify step (the firmware's board id and model hash), retried while a real board is still resetting.

Why retried: flashers return when the image is handed over, not when the board runs it (an ST-Link's drive
programs and resets the target a second after the copy; a UF2 bootloader reboots), so the first PING may reach
the old firmware or nothing; the answer that counts is the one within :data:`VERIFY_S`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.deploy.board import Board
from studio.deploy.errors import BoardNotFoundError, WrongBoardError
from studio.deploy.protocol import DeviceClient, DeviceInfo, ProtocolError

#: How long a real board's serial port may take to (re)appear after flashing (USB re-enumeration, boot).
PORT_APPEAR_S = 10.0
#: How long a real board may take to run the new firmware after the flasher returned.
VERIFY_S = 10.0
#: The reply timeout of one PING while waiting for a real board.
_PING_TIMEOUT_S = 1.0


def wait_for_port(board: Board, port: str | None, timeout_s: float = PORT_APPEAR_S) -> str:
    """The serial port to talk to ``board`` on: ``port`` once it exists, else the first detected port of the
    board (by USB VID:PID). Polls for up to ``timeout_s``, since a freshly flashed board may re-enumerate.

    Raises :class:`~studio.deploy.errors.BoardNotFoundError`.
    """
    from studio.deploy.detect import detect_devices, find_port

    deadline = time.monotonic() + timeout_s
    while True:
        found = (port if os.path.exists(port) else None) if port else find_port(board, detect_devices([board]))
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            where = f"{port} did not appear" if port else f"no serial port with USB id {_usb_ids(board)} found"
            raise BoardNotFoundError(
                f"{board.name}: {where} within {timeout_s:.0f} s of flashing: plug it in, or pass --port"
            )
        time.sleep(0.2)


def _usb_ids(board: Board) -> str:
    return "/".join(f"{vid:04x}:{pid:04x}" for vid, pid in board.usb_ids) or "(none listed)"


@contextlib.contextmanager
def open_device(board: Board, elf: Path, port: str | None) -> Iterator[tuple[DeviceClient, Any]]:
    """A protocol client on the board's serial line: QEMU's pty for an emulated board, else ``port`` (or the
    detected one). Yields ``(client, session)``; the session is the QEMU process (or None)."""
    if board.is_emulated:
        from studio.deploy.qemu import QemuSession

        with QemuSession(board, elf) as session:
            yield DeviceClient(session.port, f"{board.id} (QEMU)"), session
        return
    from studio.deploy.protocol import open_serial

    port = wait_for_port(board, port)
    serial_port = open_serial(port, board.baud, timeout_s=5.0)
    try:
        yield DeviceClient(serial_port, f"{board.name} on {port}"), None
    finally:
        serial_port.close()


def verify_firmware(client: DeviceClient, board: Board, model_hash: int, timeout_s: float | None = None) -> DeviceInfo:
    """PING until the device reports ``board``'s id and ``model_hash`` (real boards: for up to
    :data:`VERIFY_S`; emulated ones answer at once). Raises :class:`WrongBoardError` (another board, or the
    old firmware still runs) or :class:`ProtocolError` (no valid answer at all)."""
    timeout_s = (0.0 if board.is_emulated else VERIFY_S) if timeout_s is None else timeout_s
    deadline = time.monotonic() + timeout_s
    port = client.port
    saved = getattr(port, "timeout", None)
    if timeout_s > 0 and saved is not None:
        port.timeout = _PING_TIMEOUT_S
    try:
        while True:
            problem: Exception
            try:
                info = client.ping()
                if info.model_hash == model_hash and info.board_id == board.id:
                    return info
                problem = WrongBoardError(
                    f"the device runs {info.board_id!r} firmware with model 0x{info.model_hash:08x}, expected "
                    f"{board.id!r} with 0x{model_hash:08x}: is the right board connected, and did the flash take?"
                )
            except ProtocolError as exc:
                problem = exc
            if time.monotonic() >= deadline:
                raise problem
            time.sleep(0.3)
            with contextlib.suppress(Exception):  # drop a half-received frame of a board that was resetting
                port.reset_input_buffer()
    finally:
        if timeout_s > 0 and saved is not None:
            port.timeout = saved
