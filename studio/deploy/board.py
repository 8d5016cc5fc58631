"""What the studio knows about a board: core, memories, compiler flags, serial link, flasher, USB ids.

Why data and not code: a board plugin is one description module; the build, the fit check, the flasher and the
detector all read the same fields, so adding a board never touches the deploy pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Serial drivers the firmware templates implement (``resources/firmware/uart_<name>.c``).
SERIAL_DRIVERS = ("cmsdk", "stm32_usart", "rp2_uart", "nrf_uarte", "esp_rom")
#: How a board is flashed: each name has a handler in :mod:`studio.deploy.flash`.
FLASHERS = ("qemu", "uf2", "pyocd", "mass_storage", "bossac", "esptool", "dfu_util")
#: Counters the firmware can time an inference with.
COUNTERS = ("cmsdk_timer", "dwt_cycles", "systick")


@dataclass(frozen=True)
class MemoryRegion:
    """One memory of the board: where it starts and how many bytes it holds."""

    origin: int
    length: int


@dataclass(frozen=True)
class QemuMachine:
    """How QEMU emulates the board: ``machine`` (``-machine``), the counter clock, and its ``-icount`` shift.

    With ``-icount shift=S`` QEMU's virtual clock advances 2**S ns per instruction, so a timer clocked at
    ``timer_hz`` counts one tick every ``1e9 / timer_hz / 2**S`` instructions.
    """

    machine: str
    timer_hz: int
    icount_shift: int = 0

    @property
    def instructions_per_tick(self) -> float:
        """Instructions the emulated core retires per timer tick."""
        return 1e9 / self.timer_hz / (2**self.icount_shift)


@dataclass(frozen=True)
class Board:
    """A deploy target. ``id`` is what ``--board`` takes (``qemu-m4``, ``nucleo-f746zg`` ...).

    ``flash``/``sram`` are the memories the firmware may use (the fit check reads their lengths);
    ``cflags`` are passed to the compiler and linker as they are; ``serial_driver``/``uart_base`` choose the
    firmware's UART code; ``counter`` what times an inference (``timer_base`` for a CMSDK timer);
    ``flashers`` in order of preference; ``usb_ids`` the (VID, PID) pairs of the board's USB serial or debug
    interface; ``uf2_family`` and
    ``uf2_board_id`` identify its UF2 bootloader (``INFO_UF2.TXT`` ``Board-ID``); ``toolchain`` the compiler
    prefix (a board whose compiler is missing says so before anything is built).
    """

    id: str
    name: str
    core: str
    clock_hz: int
    flash: MemoryRegion
    sram: MemoryRegion
    cflags: tuple[str, ...]
    serial_driver: str
    uart_base: int
    counter: str
    flashers: tuple[str, ...]
    emulated: QemuMachine | None = None
    timer_base: int = 0
    usb_ids: tuple[tuple[int, int], ...] = ()
    uf2_family: int | None = None
    uf2_board_id: str = ""
    has_dsp: bool = False
    has_fpu: bool = False
    toolchain: str = "arm-none-eabi"
    toolchain_hint: str = "install Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi (make setup does it)"
    pyocd_target: str = ""
    baud: int = 115200
    vendor: str = ""
    notes: str = ""
    extra_defines: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.serial_driver not in SERIAL_DRIVERS:
            raise ValueError(f"board {self.id}: unknown serial driver {self.serial_driver!r}")
        if self.counter not in COUNTERS:
            raise ValueError(f"board {self.id}: unknown counter {self.counter!r}")
        unknown = [f for f in self.flashers if f not in FLASHERS]
        if unknown:
            raise ValueError(f"board {self.id}: unknown flasher {unknown[0]!r}")
        if not self.flashers:
            raise ValueError(f"board {self.id}: no flasher")

    @property
    def is_emulated(self) -> bool:
        """True for QEMU boards (no hardware needed)."""
        return self.emulated is not None

    @property
    def flash_bytes(self) -> int:
        return self.flash.length

    @property
    def sram_bytes(self) -> int:
        return self.sram.length

    def summary(self) -> dict[str, object]:
        """The description as plain JSON-able values (for ``tinyml-studio boards --json`` and the GUI)."""
        return {
            "id": self.id,
            "name": self.name,
            "core": self.core,
            "clock_hz": self.clock_hz,
            "flash_bytes": self.flash.length,
            "sram_bytes": self.sram.length,
            "emulated": self.is_emulated,
            "flashers": list(self.flashers),
            "usb_ids": [f"{vid:04x}:{pid:04x}" for vid, pid in self.usb_ids],
            "dsp": self.has_dsp,
            "toolchain": self.toolchain,
        }
