"""Boards come from the first-party plugin through the entry point; descriptions are checked."""

from __future__ import annotations

import pytest

from studio.core.plugins import PluginError, PluginRegistry
from studio.deploy.board import Board, MemoryRegion
from studio.deploy.board_registry import UnknownBoardError, boards, get_board

EXPECTED = {"qemu-m3", "qemu-m4", "qemu-m7", "qemu-m33", "nucleo-f746zg", "pico", "pico2", "nano33ble", "esp32-s3"}


def test_plugin_boards_are_registered_through_the_entry_point() -> None:
    ids = [b.id for b in boards()]
    assert set(ids) >= EXPECTED
    assert all(get_board(i).is_emulated for i in ids[:4])  # emulated first
    m4 = get_board("qemu-m4")
    assert m4.emulated.machine == "mps2-an386" and m4.has_dsp and m4.core == "cortex-m4"
    assert get_board("nucleo-f746zg").usb_ids[0] == (0x0483, 0x374B)
    assert get_board("pico").uf2_family == 0xE48BFF56
    assert get_board("esp32-s3").toolchain == "xtensa-esp32s3-elf"


def test_unknown_board_lists_the_known_ones() -> None:
    with pytest.raises(UnknownBoardError, match="qemu-m4"):
        get_board("no-such-board")


def test_add_board_rejects_non_boards_and_duplicate_ids() -> None:
    registry = PluginRegistry(forward=False)
    board = get_board("qemu-m3")
    registry.add_board(board)
    with pytest.raises(PluginError, match="already taken"):
        registry.add_board(board)
    with pytest.raises(PluginError, match="Board"):
        registry.add_board({"id": "x"})


def test_board_description_is_validated() -> None:
    with pytest.raises(ValueError, match="serial driver"):
        Board("x", "X", "cortex-m4", 1, MemoryRegion(0, 1), MemoryRegion(0, 1), (), "bogus", 0, "dwt_cycles", ("uf2",))
    with pytest.raises(ValueError, match="flasher"):
        Board("x", "X", "cortex-m4", 1, MemoryRegion(0, 1), MemoryRegion(0, 1), (), "cmsdk", 0, "dwt_cycles", ("zap",))


def test_esp32_build_says_the_toolchain_is_missing(tmp_path) -> None:
    import shutil

    from studio.deploy.build import build_firmware
    from studio.deploy.errors import ToolchainMissingError

    if shutil.which("xtensa-esp32s3-elf-gcc"):
        pytest.skip("Espressif's toolchain is installed here")
    with pytest.raises(ToolchainMissingError, match="Espressif"):
        build_firmware(get_board("esp32-s3"), tmp_path, tmp_path / "out")
