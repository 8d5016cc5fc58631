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
_SSRAM23 = MemoryRegion(0x2000_0000, 4 * _MIB)  # SSRAM2/3 of an385, an386 and an500
_NOTE = "Emulated by QEMU; timing is an instruction count (-icount), not cycles of a real chip."


def _mps2(
    machine: str,
    core: str,
    name: str,
    cflags: tuple[str, ...],
    *,
    clock_hz: int = 25_000_000,
    flash_base: int = 0x0000_0000,
    sram: MemoryRegion = _SSRAM23,
    uart_base: int = 0x4000_4000,
    timer_base: int = 0x4000_0000,
    dsp_fpu: bool = True,
) -> Board:
    """One MPS2 image: the CMSDK UART and timer at the image's addresses, 4 MiB of SSRAM1 as flash."""
    return Board(
        id=f"qemu-{core.removeprefix('cortex-')}",
        name=f"QEMU MPS2 {machine.removeprefix('mps2-').upper()} ({name})",
        core=core,
        clock_hz=clock_hz,
        flash=MemoryRegion(flash_base, 4 * _MIB),
        sram=sram,
        cflags=cflags,
        serial_driver="cmsdk",
        uart_base=uart_base,
        counter="cmsdk_timer",
        timer_base=timer_base,
        flashers=_FLASHERS,
        emulated=QemuMachine(machine, timer_hz=clock_hz),
        has_dsp=dsp_fpu,
        has_fpu=dsp_fpu,
        vendor="QEMU",
        notes=_NOTE,
    )


BOARDS = (
    _mps2("mps2-an385", "cortex-m3", "Cortex-M3", ("-mcpu=cortex-m3", "-mfloat-abi=soft"), dsp_fpu=False),
    _mps2("mps2-an386", "cortex-m4", "Cortex-M4F", ("-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")),
    _mps2("mps2-an500", "cortex-m7", "Cortex-M7", ("-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-d16")),
    _mps2(
        "mps2-an505",
        "cortex-m33",
        "Cortex-M33",
        ("-mcpu=cortex-m33", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        clock_hz=20_000_000,
        flash_base=0x1000_0000,
        sram=MemoryRegion(0x3800_0000, 2 * _MIB),
        uart_base=0x5020_0000,
        timer_base=0x5000_0000,
    ),
)
