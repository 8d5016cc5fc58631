"""Emulated boards: QEMU's Arm MPS2 FPGA images, one per Cortex-M core (no hardware needed).

Memory maps as QEMU models them: an385/an386/an500 run from ZBT SSRAM1 at 0x0 (used as flash here) with
SSRAM2/3 at 0x20000000; an505 (TrustZone, booting secure) from SSRAM1's secure alias 0x10000000 with SSRAM2/3
at 0x38000000. UART0 is a CMSDK UART, timer 0 a CMSDK timer clocked at the machine's SYSCLK; under
``-icount shift=0`` one instruction is one nanosecond of virtual time, so the timer counts instructions.
"""

from __future__ import annotations

from studio.deploy.board import Board, MemoryRegion, QemuMachine

_MIB = 1024 * 1024
_FLASHERS = ("qemu",)
_NOTE = "Emulated by QEMU; timing is an instruction count (-icount), not cycles of a real chip."

BOARDS = (
    Board(
        id="qemu-m3",
        name="QEMU MPS2 AN385 (Cortex-M3)",
        core="cortex-m3",
        clock_hz=25_000_000,
        flash=MemoryRegion(0x0000_0000, 4 * _MIB),
        sram=MemoryRegion(0x2000_0000, 4 * _MIB),
        cflags=("-mcpu=cortex-m3", "-mfloat-abi=soft"),
        serial_driver="cmsdk",
        uart_base=0x4000_4000,
        counter="cmsdk_timer",
        timer_base=0x4000_0000,
        flashers=_FLASHERS,
        emulated=QemuMachine("mps2-an385", timer_hz=25_000_000),
        vendor="QEMU",
        notes=_NOTE,
    ),
    Board(
        id="qemu-m4",
        name="QEMU MPS2 AN386 (Cortex-M4F)",
        core="cortex-m4",
        clock_hz=25_000_000,
        flash=MemoryRegion(0x0000_0000, 4 * _MIB),
        sram=MemoryRegion(0x2000_0000, 4 * _MIB),
        cflags=("-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
        serial_driver="cmsdk",
        uart_base=0x4000_4000,
        counter="cmsdk_timer",
        timer_base=0x4000_0000,
        flashers=_FLASHERS,
        emulated=QemuMachine("mps2-an386", timer_hz=25_000_000),
        has_dsp=True,
        has_fpu=True,
        vendor="QEMU",
        notes=_NOTE,
    ),
    Board(
        id="qemu-m7",
        name="QEMU MPS2 AN500 (Cortex-M7)",
        core="cortex-m7",
        clock_hz=25_000_000,
        flash=MemoryRegion(0x0000_0000, 4 * _MIB),
        sram=MemoryRegion(0x2000_0000, 4 * _MIB),
        cflags=("-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-d16"),
        serial_driver="cmsdk",
        uart_base=0x4000_4000,
        counter="cmsdk_timer",
        timer_base=0x4000_0000,
        flashers=_FLASHERS,
        emulated=QemuMachine("mps2-an500", timer_hz=25_000_000),
        has_dsp=True,
        has_fpu=True,
        vendor="QEMU",
        notes=_NOTE,
    ),
    Board(
        id="qemu-m33",
        name="QEMU MPS2 AN505 (Cortex-M33)",
        core="cortex-m33",
        clock_hz=20_000_000,
        flash=MemoryRegion(0x1000_0000, 4 * _MIB),
        sram=MemoryRegion(0x3800_0000, 2 * _MIB),
        cflags=("-mcpu=cortex-m33", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        serial_driver="cmsdk",
        uart_base=0x5020_0000,
        counter="cmsdk_timer",
        timer_base=0x5000_0000,
        flashers=_FLASHERS,
        emulated=QemuMachine("mps2-an505", timer_hz=20_000_000),
        has_dsp=True,
        has_fpu=True,
        vendor="QEMU",
        notes=_NOTE,
    ),
)
