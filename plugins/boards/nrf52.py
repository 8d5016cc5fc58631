"""Arduino Nano 33 BLE Sense (nRF52840, Cortex-M4F, 1 MiB flash, 256 KiB SRAM).

Arduino's bootloader occupies the first 64 KiB of flash, so the application starts at 0x10000; flashing is by
bossac (double-tap reset for the bootloader) or, with Adafruit's UF2 bootloader, by UF2 copy. The firmware
talks on UARTE0 at the board's TX/RX pins (P1.03/P1.10).
"""

from __future__ import annotations

from studio.deploy.board import Board, MemoryRegion

NRF52840_FAMILY = 0xADA52840

BOARDS = (
    Board(
        id="nano33ble",
        name="Arduino Nano 33 BLE Sense (nRF52840, Cortex-M4F)",
        core="cortex-m4",
        clock_hz=64_000_000,
        flash=MemoryRegion(0x0001_0000, 1024 * 1024 - 0x10000),
        sram=MemoryRegion(0x2000_0000, 256 * 1024),
        cflags=("-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
        serial_driver="nrf_uarte",
        uart_base=0x4000_2000,  # UARTE0
        counter="dwt_cycles",
        flashers=("bossac", "uf2"),
        usb_ids=((0x2341, 0x005A), (0x2341, 0x805A), (0x2341, 0x025A)),
        uf2_family=NRF52840_FAMILY,
        uf2_board_id="nRF52840",
        has_dsp=True,
        has_fpu=True,
        vendor="Arduino",
        extra_defines=(("STUDIO_NRF_TX_PIN", "35"), ("STUDIO_NRF_RX_PIN", "42")),
        notes="Application at 0x10000 behind Arduino's bootloader; UARTE0 on TX/RX pins.",
    ),
)
