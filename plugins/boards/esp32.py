"""Espressif ESP32-S3 (Xtensa LX7, dual core, 240 MHz): flashed with esptool over its USB-Serial/JTAG port.

Building for it needs Espressif's Xtensa toolchain (``xtensa-esp32s3-elf-gcc``, part of ESP-IDF), which no
Debian package provides: the studio says so before building, and detects and flashes boards either way.
"""

from __future__ import annotations

from studio.deploy.board import Board, MemoryRegion

BOARDS = (
    Board(
        id="esp32-s3",
        name="Espressif ESP32-S3 (Xtensa LX7)",
        core="xtensa-lx7",
        clock_hz=240_000_000,
        flash=MemoryRegion(0x4200_0000, 8 * 1024 * 1024),
        sram=MemoryRegion(0x3FC8_8000, 480 * 1024),
        cflags=("-mlongcalls",),
        serial_driver="esp_rom",
        uart_base=0x6000_0000,
        counter="systick",
        flashers=("esptool",),
        usb_ids=((0x303A, 0x1001), (0x10C4, 0xEA60), (0x1A86, 0x7523)),
        toolchain="xtensa-esp32s3-elf",
        toolchain_hint=(
            "Espressif's toolchain is not installed (install ESP-IDF and run its export.sh so "
            "xtensa-esp32s3-elf-gcc is on PATH); Debian has no package for it"
        ),
        vendor="Espressif",
        notes="Needs Espressif's Xtensa toolchain to build; esptool flashes it.",
    ),
)
