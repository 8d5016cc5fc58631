"""The serial protocol over a real pseudo-terminal with pyserial (the path a USB board takes), against a
device simulated in a thread; and the errors a user sees for bad ports."""

from __future__ import annotations

import errno
import os
import struct
import threading
import zlib

import numpy as np
import pytest
import serial

from studio.deploy import protocol
from studio.deploy.errors import SerialPortError
from studio.deploy.protocol import DeviceClient, ProtocolError, decode_frame, encode_frame, open_serial


def test_frames_round_trip_and_a_flipped_bit_is_caught() -> None:
    frame = encode_frame(protocol.INFER, bytes(range(64)))
    assert frame[:2] == b"TM" and len(frame) == 2 + 1 + 4 + 64 + 4
    assert decode_frame(frame) == (protocol.INFER, bytes(range(64)))
    bad = bytearray(frame)
    bad[20] ^= 0x04
    with pytest.raises(ProtocolError, match="CRC"):
        decode_frame(bytes(bad))


def _fake_device(fd: int, stop: threading.Event) -> None:
    """Answers like the firmware: PING -> INFO, INFER -> RESULT (output = first 10 bytes reversed)."""
    buf = b""
    while not stop.is_set():
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        buf += chunk
        while len(buf) >= 11 and buf[:2] == b"TM":
            (n,) = struct.unpack("<I", buf[3:7])
            if len(buf) < 11 + n:
                break
            kind, payload = buf[2], buf[7 : 7 + n]
            ok = zlib.crc32(buf[2 : 7 + n]) == struct.unpack("<I", buf[7 + n : 11 + n])[0]
            buf = buf[11 + n :]
            if not ok:
                os.write(fd, encode_frame(protocol.ERROR, b"\x01"))
            elif kind == protocol.PING:
                info = struct.pack("<5I", protocol.PROTOCOL_VERSION, 7, 64, 10, 3072) + b"sim"
                os.write(fd, b"boot noise" + encode_frame(protocol.INFO, info))
            elif kind == protocol.INFER:
                os.write(fd, encode_frame(protocol.RESULT, struct.pack("<I", 1234) + payload[:10][::-1]))
            elif kind == protocol.PROFILE:  # three "layers", ticks derived from the input
                os.write(fd, encode_frame(protocol.PROFILED, struct.pack("<3I", payload[0], payload[1], 99)))
            elif kind == protocol.EXIT:
                os.write(fd, encode_frame(protocol.BYE))
                return


def test_client_talks_to_a_device_on_a_pty_through_pyserial() -> None:
    master, slave = os.openpty()
    stop = threading.Event()
    device = threading.Thread(target=_fake_device, args=(master, stop), daemon=True)
    device.start()
    port = open_serial(os.ttyname(slave), 115200, timeout_s=2.0)
    try:
        client = DeviceClient(port, "simulated board")
        info = client.ping()
        assert (info.model_hash, info.input_bytes, info.output_bytes, info.board_id) == (7, 64, 10, "sim")
        x = np.arange(64, dtype=np.int8).tobytes()
        reply = client.infer(x)
        assert reply.ticks == 1234 and reply.output == x[:10][::-1]
        assert client.profile(x) == [0, 1, 99]
        client.exit()
    finally:
        stop.set()
        port.close()
        os.close(slave)
        device.join(2)
        os.close(master)


def test_no_reply_is_a_timeout_error() -> None:
    master, slave = os.openpty()
    port = open_serial(os.ttyname(slave), 115200, timeout_s=0.2)
    try:
        with pytest.raises(ProtocolError, match="no reply"):
            DeviceClient(port, "silent board").ping()
    finally:
        port.close()
        os.close(slave)
        os.close(master)


def test_port_errors_say_cause_and_fix(tmp_path) -> None:
    with pytest.raises(SerialPortError, match="plugged in"):
        open_serial(str(tmp_path / "ttyACM9"), 115200, 1.0)
    denied = serial.SerialException(errno.EACCES, "could not open port /dev/ttyACM0: [Errno 13] Permission denied")
    message = str(SerialPortError.from_exception("/dev/ttyACM0", denied))
    assert "dialout" in message and "udev" in message
    busy = serial.SerialException(errno.EBUSY, "Device or resource busy")
    assert "busy" in str(SerialPortError.from_exception("/dev/ttyACM0", busy))


def _one_shot_device(fd: int, reply: bytes, then_close: bool = False) -> None:
    """Answers the first request with ``reply`` (any bytes), then optionally hangs up."""
    os.read(fd, 4096)
    os.write(fd, reply)
    if then_close:
        os.close(fd)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"Hello from a sketch that is not ours\r\n" * 120, "sends bytes but no frames"),
        (encode_frame(protocol.INFO, struct.pack("<5I", 1, 7, 64, 10, 3072) + b"old"), "speaks protocol 1"),
        (encode_frame(protocol.INFO, b"\x02\x00"), "short INFO reply"),
        (encode_frame(protocol.ERROR, b"\x03"), "rejected the request: unknown frame type"),
        (encode_frame(protocol.RESULT, b""), "answered frame type 0x82, expected 0x81"),
        (b"TM" + bytes([protocol.INFO]) + struct.pack("<I", 1 << 24), "garbled frame header"),
    ],
    ids=["not-our-firmware", "old-protocol", "short-info", "device-error", "wrong-frame", "garbled-length"],
)
def test_what_a_confused_device_says_is_one_clear_error(reply, message) -> None:
    master, slave = os.openpty()
    device = threading.Thread(target=_one_shot_device, args=(master, reply), daemon=True)
    device.start()
    port = open_serial(os.ttyname(slave), 115200, timeout_s=1.0)
    try:
        with pytest.raises(ProtocolError, match=message):
            DeviceClient(port, "the board").ping()
    finally:
        port.close()
        device.join(2)
        os.close(slave)
        os.close(master)


def test_a_board_unplugged_mid_reply_is_reported_as_gone() -> None:
    class Unplugged:
        def write(self, data: bytes) -> int:
            return len(data)

        def read(self, n: int = 1) -> bytes:
            raise serial.SerialException("device reports readiness to read but returned no data")

    with pytest.raises(ProtocolError, match=r"went away mid-reply .* still connected"):
        DeviceClient(Unplugged(), "the board").infer(b"\0" * 64)
