"""Raspberry Pi Pico (RP2040, Cortex-M0+) and Pico 2 (RP2350, Cortex-M33): flashed by copying a UF2 file
onto the drive their boot ROM shows (hold BOOTSEL while plugging in).

The studio's firmware is loaded into SRAM (a RAM-only UF2, which the boot ROM runs after the copy), so it needs
no flash boot stage; it talks on UART0 (GP0/GP1), which a USB-serial adapter or a Debug Probe connects.
"""

from __future__ import annotations

from studio.deploy.board import Board, MemoryRegion

#: UF2 family ids from the UF2 specification's families list.
RP2040_FAMILY = 0xE48BFF56
RP2350_ARM_S_FAMILY = 0xE48BFF59

BOARDS = (
    Board(
        id="pico",
        name="Raspberry Pi Pico (RP2040, Cortex-M0+)",
        core="cortex-m0plus",
        clock_hz=12_000_000,
        flash=MemoryRegion(0x2000_0000, 128 * 1024),  # code is loaded to SRAM (RAM-only UF2)
        sram=MemoryRegion(0x2002_0000, 136 * 1024),
        cflags=("-mcpu=cortex-m0plus", "-mfloat-abi=soft"),
        serial_driver="rp2_uart",
        uart_base=0x4003_4000,  # UART0
        counter="systick",
        flashers=("uf2",),
        usb_ids=((0x2E8A, 0x0003), (0x2E8A, 0x000A), (0x2E8A, 0x000C)),
        uf2_family=RP2040_FAMILY,
        uf2_board_id="RPI-RP2",
        vendor="Raspberry Pi",
        notes="UART0 on GP0/GP1 at 115200 baud through a USB-serial adapter; runs on the 12 MHz crystal.",
    ),
    Board(
        id="pico2",
        name="Raspberry Pi Pico 2 (RP2350, Cortex-M33)",
        core="cortex-m33",
        clock_hz=12_000_000,
        flash=MemoryRegion(0x2000_0000, 256 * 1024),
        sram=MemoryRegion(0x2004_0000, 256 * 1024),
        cflags=("-mcpu=cortex-m33", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        serial_driver="rp2_uart",
        uart_base=0x4007_0000,  # UART0 on RP2350
        counter="dwt_cycles",
        flashers=("uf2",),
        usb_ids=((0x2E8A, 0x000F), (0x2E8A, 0x0009)),
        uf2_family=RP2350_ARM_S_FAMILY,
        uf2_board_id="RP2350",
        has_dsp=True,
        has_fpu=True,
        vendor="Raspberry Pi",
        extra_defines=(("STUDIO_RP2350", "1"),),
        notes="UART0 on GP0/GP1 at 115200 baud; runs on the 12 MHz crystal.",
    ),
)
