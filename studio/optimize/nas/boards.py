"""Microcontroller boards a search can target: memory limits, and a rough speed for latency estimates.

Why here and this small: the search needs a board's SRAM and flash as limit presets and a per-board latency
column (like Edge Impulse's EON Tuner). Speeds are *estimates* (cycles per int8 MAC of CMSIS-NN-style kernels
on that core); a table measured on the device (the deploy stage's on-device validation) replaces them through
:class:`~studio.optimize.nas.latency_table.MeasuredLatencyTable` files. Add a board by appending to
:data:`BOARDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.errors import StudioError


@dataclass(frozen=True)
class BoardSpec:
    """One board: memory (KiB), core clock, and the cycles per int8 MAC its core needs (an estimate)."""

    id: str
    name: str
    core: str
    clock_mhz: float
    sram_kb: int
    flash_kb: int
    cycles_per_mac: float
    label: str = ""  # short column title ("Nano 33")
    cycles_per_element: float = 2.0  # element-wise ops (adds, pooling)

    @property
    def short_name(self) -> str:
        return self.label or self.name.split(" (")[0]


BOARDS: tuple[BoardSpec, ...] = (
    BoardSpec("nano33ble", "Arduino Nano 33 BLE Sense (nRF52840)", "Cortex-M4F", 64, 256, 1024, 1.6, "Nano 33 BLE"),
    BoardSpec("stm32f746", "STM32F746G-DISCO (STM32F746)", "Cortex-M7", 216, 320, 1024, 0.8, "F746"),
    BoardSpec("rp2040", "Raspberry Pi Pico (RP2040)", "Cortex-M0+", 133, 264, 2048, 6.0, "Pico"),
    BoardSpec("stm32f411", "STM32F411 Black Pill (STM32F411)", "Cortex-M4F", 100, 128, 512, 1.6, "F411"),
)


def board(board_id: str) -> BoardSpec:
    """The board with ``board_id``; raises :class:`StudioError` listing the known ones."""
    for spec in BOARDS:
        if spec.id == board_id:
            return spec
    raise StudioError(f"unknown board {board_id!r}; known: {', '.join(b.id for b in BOARDS)}")
