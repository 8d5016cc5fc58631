"""The firmware's side of the protocol on QEMU: a corrupted frame, a wrong length or an unknown type is
answered with an ERROR frame and the device keeps serving (never a half state); QEMU failures are named."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from studio.deploy import protocol
from studio.deploy.board_registry import get_board
from studio.deploy.protocol import DeviceClient, ProtocolError, encode_frame
from studio.deploy.qemu import EmulatorError, QemuSession
from tests.deploy.conftest import needs_arm, needs_qemu

pytestmark = [needs_arm, needs_qemu]


@pytest.fixture(scope="module")
def all_ops_elf(all_ops_int8, tmp_path_factory):
    from studio.deploy.build import build_firmware
    from studio.deploy.codegen.generate import generate_model

    model, x = all_ops_int8
    out = tmp_path_factory.mktemp("fw")
    image = build_firmware(get_board("qemu-m4"), generate_model(model).write(out / "src"), out / "build")
    return image.elf, model, x


@pytest.mark.slow
def test_bad_frames_get_error_frames_and_the_device_keeps_serving(all_ops_elf) -> None:
    elf, _, x = all_ops_elf
    sample = np.ascontiguousarray(x[0], dtype=np.int8).tobytes()
    with QemuSession(get_board("qemu-m4"), elf) as session:
        client = DeviceClient(session.port, "qemu-m4")
        bad = bytearray(encode_frame(protocol.INFER, sample))
        bad[12] ^= 0x10  # a bit flipped on the line
        session.port.write(bytes(bad))
        with pytest.raises(ProtocolError, match="bad CRC"):
            client._receive()
        with pytest.raises(ProtocolError, match="bad length"):
            client.infer(sample[:-1])
        with pytest.raises(ProtocolError, match="bad length"):
            client.probe(0, sample)  # layer counts start at 1
        with pytest.raises(ProtocolError, match="unknown frame type"):
            client._request(0x7F, b"", protocol.RESULT)
        info = client.ping()  # still in step after every error
        assert info.input_bytes == len(sample) and len(client.infer(sample).output) == info.output_bytes
        client.exit()
        assert session.close() == 0


def test_qemu_that_cannot_start_the_machine_says_what_qemu_said(all_ops_elf) -> None:
    elf, _, _ = all_ops_elf
    board = get_board("qemu-m4")
    broken = dataclasses.replace(board, emulated=dataclasses.replace(board.emulated, machine="no-such-machine"))
    with pytest.raises(EmulatorError, match=r"no-such-machine.*did not open its serial port"):
        QemuSession(broken, elf, start_timeout_s=10)


def test_a_real_board_is_not_emulated(all_ops_elf) -> None:
    from studio.deploy.qemu import qemu_command

    with pytest.raises(EmulatorError, match="not an emulated board"):
        qemu_command(get_board("pico"), all_ops_elf[0])
