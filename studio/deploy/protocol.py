"""The host side of the firmware's framed serial protocol (``resources/firmware/protocol.c``).

Frame: ``'T' 'M'`` | type u8 | length u32 LE | payload | CRC-32 (IEEE) LE over type, length and payload.
Why framed with a CRC: a real board's USB serial line can drop or garble bytes (and a board can be unplugged);
a frame that does not check out is an error the user is told about, never a silently wrong output.

The client talks to anything with pyserial's ``read(n)``/``write(b)``/``reset_input_buffer()``: a QEMU
pseudo-terminal and a USB board's port take the same code path.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Protocol

from studio.core.errors import StudioError

SYNC = b"TM"
PING, INFER, EXIT, PROBE, PROFILE = 0x01, 0x02, 0x03, 0x04, 0x05
INFO, RESULT, BYE, LAYER, PROFILED, ERROR = 0x81, 0x82, 0x83, 0x84, 0x85, 0xEE
PROTOCOL_VERSION = 2
DEVICE_ERRORS = {1: "bad CRC", 2: "bad length", 3: "unknown frame type"}
#: Frames longer than this are refused by the firmware (and by this client, as a sign of a garbled header).
MAX_PAYLOAD = 1 << 20


class ProtocolError(StudioError):
    """The device answered something that is not a valid frame, answered an error, or did not answer."""


class SerialPort(Protocol):
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...


def encode_frame(frame_type: int, payload: bytes = b"") -> bytes:
    """One frame as bytes on the wire."""
    body = bytes([frame_type]) + struct.pack("<I", len(payload)) + payload
    return SYNC + body + struct.pack("<I", zlib.crc32(body))


def decode_frame(data: bytes) -> tuple[int, bytes]:
    """Parse one complete frame (as :func:`encode_frame` writes it); raises :class:`ProtocolError`."""
    if len(data) < 11 or data[:2] != SYNC:
        raise ProtocolError("not a frame: missing the 'TM' sync bytes")
    (length,) = struct.unpack("<I", data[3:7])
    if len(data) != 11 + length:
        raise ProtocolError(f"frame length {length} does not match the {len(data) - 11} payload bytes received")
    body, (crc,) = data[2 : 7 + length], struct.unpack("<I", data[7 + length :])
    if zlib.crc32(body) != crc:
        raise ProtocolError("frame CRC mismatch: the serial line garbled the reply")
    return data[2], data[7 : 7 + length]


@dataclass(frozen=True)
class DeviceInfo:
    """What the firmware says about itself (the reply to PING)."""

    version: int
    model_hash: int
    input_bytes: int
    output_bytes: int
    arena_bytes: int
    board_id: str


@dataclass(frozen=True)
class InferenceReply:
    """One inference on the device: the int8 output bytes and the counter ticks it took."""

    output: bytes
    ticks: int


class DeviceClient:
    """Request/response over a serial port. Every call raises :class:`ProtocolError` on a timeout (no reply),
    a garbled reply or an ERROR frame from the device."""

    def __init__(self, port: SerialPort, what: str = "the device") -> None:
        self.port = port
        self.what = what

    def _read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            try:
                chunk = self.port.read(n - len(data))
            except Exception as exc:  # pyserial's SerialException when the board disappears
                raise ProtocolError(f"{self.what} went away mid-reply ({exc}); is it still connected?") from exc
            if not chunk:
                raise ProtocolError(f"no reply from {self.what} (timed out after {len(data)} of {n} bytes)")
            data += chunk
        return data

    def _receive(self) -> tuple[int, bytes]:
        prev = b""
        skipped = 0
        while True:  # resynchronise on 'TM' (boot messages or line noise may come first)
            byte = self._read_exact(1)
            if prev == b"T" and byte == b"M":
                break
            prev = byte
            skipped += 1
            if skipped > 4096:
                raise ProtocolError(f"{self.what} sends bytes but no frames: is the studio's firmware on it?")
        header = self._read_exact(5)
        (length,) = struct.unpack("<I", header[1:])
        if length > MAX_PAYLOAD:
            raise ProtocolError(f"garbled frame header from {self.what} (length {length})")
        rest = self._read_exact(length + 4)
        frame_type, payload = decode_frame(SYNC + header + rest)
        if frame_type == ERROR:
            code = payload[0] if payload else 0
            raise ProtocolError(f"{self.what} rejected the request: {DEVICE_ERRORS.get(code, f'error {code}')}")
        return frame_type, payload

    def _request(self, frame_type: int, payload: bytes, expect: int) -> bytes:
        self.port.write(encode_frame(frame_type, payload))
        got, reply = self._receive()
        if got != expect:
            raise ProtocolError(f"{self.what} answered frame type 0x{got:02x}, expected 0x{expect:02x}")
        return reply

    def ping(self) -> DeviceInfo:
        """Ask the firmware what it runs; raises :class:`ProtocolError` for a protocol version it lacks."""
        reply = self._request(PING, b"", INFO)
        if len(reply) < 20:
            raise ProtocolError(f"short INFO reply from {self.what}")
        version, model_hash, n_in, n_out, arena = struct.unpack("<5I", reply[:20])
        if version != PROTOCOL_VERSION:
            raise ProtocolError(f"{self.what} speaks protocol {version}, the studio {PROTOCOL_VERSION}: redeploy")
        return DeviceInfo(version, model_hash, n_in, n_out, arena, reply[20:].decode("ascii", "replace"))

    def infer(self, input_bytes: bytes) -> InferenceReply:
        """Run one inference on ``input_bytes`` (the int8 input tensor, C order)."""
        reply = self._request(INFER, input_bytes, RESULT)
        if len(reply) < 4:
            raise ProtocolError(f"short RESULT reply from {self.what}")
        (ticks,) = struct.unpack("<I", reply[:4])
        return InferenceReply(output=reply[4:], ticks=ticks)

    def probe(self, layers: int, input_bytes: bytes) -> InferenceReply:
        """Run only the first ``layers`` ops on ``input_bytes``; the reply holds op ``layers - 1``'s output."""
        reply = self._request(PROBE, struct.pack("<I", layers) + input_bytes, LAYER)
        if len(reply) < 4:
            raise ProtocolError(f"short LAYER reply from {self.what}")
        (ticks,) = struct.unpack("<I", reply[:4])
        return InferenceReply(output=reply[4:], ticks=ticks)

    def profile(self, input_bytes: bytes) -> list[int]:
        """Run every op on ``input_bytes``, each timed on its own; the counter ticks of each op, in order."""
        reply = self._request(PROFILE, input_bytes, PROFILED)
        if len(reply) % 4:
            raise ProtocolError(f"malformed PROFILED reply from {self.what} ({len(reply)} bytes)")
        return list(struct.unpack(f"<{len(reply) // 4}I", reply))

    def exit(self) -> None:
        """Tell the firmware to stop (QEMU then exits with the firmware's status). The reply is optional: an
        emulator may close the line before its last bytes are read."""
        self.port.write(encode_frame(EXIT))
        with contextlib.suppress(ProtocolError):
            self._receive()


def open_serial(path: str, baud: int, timeout_s: float) -> Any:
    """Open a serial port with pyserial; permission and missing-port failures become clear one-line errors.

    Raises :class:`studio.deploy.errors.SerialPortError`.
    """
    import serial  # pyserial

    from studio.deploy.errors import SerialPortError

    try:
        return serial.Serial(path, baud, timeout=timeout_s)
    except serial.SerialException as exc:
        raise SerialPortError.from_exception(path, exc) from None
