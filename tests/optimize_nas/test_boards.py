"""One board list: the search's boards are deploy's registered boards, with deploy's fit check as the budget."""

from __future__ import annotations

import pytest

from studio.optimize.nas.boards import (
    CORE_CYCLES_PER_MAC,
    latency_boards,
    search_board,
    search_board_for,
    search_boards,
)


def test_search_boards_are_the_registered_boards_real_ones_first() -> None:
    from studio.deploy.board_registry import boards

    registered = boards()
    ours = search_boards()
    assert sorted(b.id for b in ours) == sorted(b.id for b in registered)
    assert [b.board.is_emulated for b in ours] == sorted(b.board.is_emulated for b in ours)
    for b in ours:
        assert b.board is next(r for r in registered if r.id == b.id)  # the very description deploy uses
        assert b.cycles_per_mac == CORE_CYCLES_PER_MAC.get(b.board.core)
    # Latency columns: real boards whose core has a speed (not the ESP32-S3's Xtensa, not QEMU).
    assert {b.id for b in latency_boards()} == {"nucleo-f746zg", "pico", "pico2", "nano33ble"}


def test_a_board_registered_by_a_third_party_plugin_appears_without_touching_the_search() -> None:
    from dataclasses import replace

    from studio.deploy import board_registry
    from studio.deploy.board import MemoryRegion

    base = board_registry.get_board("nano33ble")
    extra = replace(
        base,
        id="test-m4-board",
        name="Test Board (Cortex-M4)",
        vendor="",
        clock_hz=100_000_000,
        sram=MemoryRegion(0x2000_0000, 64 * 1024),
    )
    board_registry.register_board(extra)
    try:
        b = search_board("test-m4-board")
        assert b in latency_boards() and b.short_name == "Test Board"
        assert b.sram_budget_bytes == 64 * 1024 - b.sram_overhead_bytes
        # Same core, clock 100 vs 64 MHz: the estimate scales with the clock.
        nano = search_board("nano33ble")
        assert b.latency_ms(1e6) == pytest.approx(nano.latency_ms(1e6) * 64 / 100)
    finally:
        board_registry._BOARDS.pop("test-m4-board", None)


def test_budget_is_exactly_what_deploys_fit_check_accepts() -> None:
    from studio.deploy.fit import estimate_fit

    for b in search_boards():
        at = {"flash_bytes": b.flash_budget_bytes, "peak_sram_bytes": b.sram_budget_bytes}
        assert b.fits(at) and estimate_fit(b.board, at["flash_bytes"], at["peak_sram_bytes"]).fits
        assert not b.fits({**at, "peak_sram_bytes": b.sram_budget_bytes + 1})
        assert not b.fits({**at, "flash_bytes": b.flash_budget_bytes + 1})


def test_latency_estimate_is_macs_times_the_cores_cycles_at_the_boards_clock() -> None:
    pico = search_board("pico")
    assert pico.board.core == "cortex-m0plus"
    assert pico.latency_ms(1_200_000) == pytest.approx(1_200_000 * CORE_CYCLES_PER_MAC["cortex-m0plus"] / 12e6 * 1e3)
    esp = search_board("esp32-s3")
    assert esp.cycles_per_mac is None and esp.latency_ms(1e6) is None
    # Cores deploy's boards use, except the Xtensa, all have an estimate.
    assert {"cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33"} <= set(CORE_CYCLES_PER_MAC)
    assert search_board_for(esp.board).board is esp.board


def test_unknown_board_is_a_one_line_studio_error() -> None:
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match=r"unknown board 'nope'; known boards: .*nano33ble"):
        search_board("nope")
