"""Which boards are connected: USB serial ports by VID:PID (pyserial's port list) and UF2 drives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.deploy.board import Board
from studio.deploy.uf2 import find_uf2_drives


@dataclass(frozen=True)
class DetectedDevice:
    """One connected device and the board it matches (``board_id``, empty if none): ``kind`` is
    ``"serial"`` (``location`` a port like /dev/ttyACM0) or ``"uf2"`` (``location`` a drive folder)."""

    kind: str
    location: str
    board_id: str
    description: str
    vid_pid: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in ("kind", "location", "board_id", "description", "vid_pid")}


def _serial_ports() -> list[Any]:
    from serial.tools import list_ports

    return list(list_ports.comports())


def detect_devices(
    boards: list[Board], ports: list[Any] | None = None, uf2_roots: list[Path] | None = None
) -> list[DetectedDevice]:
    """Serial ports whose VID:PID a board lists, and UF2 drives whose ``Board-ID`` a board lists.

    ``ports`` (pyserial ``ListPortInfo``-like objects) and ``uf2_roots`` default to the real system.
    """
    found: list[DetectedDevice] = []
    by_usb = {ids: b for b in boards for ids in b.usb_ids}
    for port in _serial_ports() if ports is None else ports:
        vid, pid = getattr(port, "vid", None), getattr(port, "pid", None)
        if vid is None or pid is None:
            continue
        board = by_usb.get((vid, pid))
        if board is not None:
            desc = getattr(port, "description", "") or board.name
            found.append(DetectedDevice("serial", port.device, board.id, desc, f"{vid:04x}:{pid:04x}"))
    by_uf2 = {b.uf2_board_id.lower(): b for b in boards if b.uf2_board_id}
    for drive in find_uf2_drives(uf2_roots):
        key = drive.board_id.lower()
        board = next((b for k, b in by_uf2.items() if key.startswith(k) or (k.startswith(key) and key)), None)
        found.append(
            DetectedDevice("uf2", str(drive.path), board.id if board else "", drive.info.get("Model", drive.board_id))
        )
    return found


def find_port(board: Board, devices: list[DetectedDevice]) -> str | None:
    """The serial port of the first connected ``board``, if any."""
    return next((d.location for d in devices if d.kind == "serial" and d.board_id == board.id), None)
