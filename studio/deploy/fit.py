"""The fit check: does the model go into the board's flash and SRAM? Before building (estimated) and after
(exact, from the ELF). Why before: a user learns in a millisecond that a model is 3x too big, with the
numbers, instead of reading a linker error."""

from __future__ import annotations

from dataclasses import dataclass

from studio.deploy.board import Board
from studio.deploy.errors import FitError
from studio.deploy.firmware import STACK_BYTES

#: Code and static data of the firmware besides the model's constants (protocol, kernels, start-up),
#: measured on the Cortex-M builds and rounded up.
FIRMWARE_CODE_BYTES = 6 * 1024
FIRMWARE_RAM_BYTES = 128


@dataclass(frozen=True)
class FitReport:
    """Needed against available bytes of flash and SRAM; ``estimated`` before the build."""

    board_id: str
    flash_needed: int
    flash_available: int
    sram_needed: int
    sram_available: int
    estimated: bool

    @property
    def fits(self) -> bool:
        return self.flash_needed <= self.flash_available and self.sram_needed <= self.sram_available

    def as_dict(self) -> dict[str, object]:
        return {
            "board": self.board_id,
            "flash_needed": self.flash_needed,
            "flash_available": self.flash_available,
            "sram_needed": self.sram_needed,
            "sram_available": self.sram_available,
            "fits": self.fits,
            "estimated": self.estimated,
        }

    def raise_if_too_big(self) -> None:
        """Raise :class:`FitError` saying which memory overflows, by how much, and what to do."""
        problems = []
        if self.flash_needed > self.flash_available:
            problems.append(f"flash {_kib(self.flash_needed)} of {_kib(self.flash_available)}")
        if self.sram_needed > self.sram_available:
            problems.append(f"SRAM {_kib(self.sram_needed)} of {_kib(self.sram_available)}")
        if problems:
            raise FitError(
                f"the model does not fit {self.board_id}: needs {' and '.join(problems)}; prune or quantize to "
                "fewer bits, or pick a board with more memory"
            )


def _kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


def estimate_fit(board: Board, const_bytes: int, arena_bytes: int) -> FitReport:
    """The pre-build estimate from the generated model's constants and arena."""
    return FitReport(
        board.id,
        const_bytes + FIRMWARE_CODE_BYTES,
        board.flash_bytes,
        arena_bytes + STACK_BYTES + FIRMWARE_RAM_BYTES,
        board.sram_bytes,
        estimated=True,
    )


def exact_fit(board: Board, flash_bytes: int, sram_bytes: int) -> FitReport:
    """The check from the built ELF's section sizes."""
    return FitReport(board.id, flash_bytes, board.flash_bytes, sram_bytes, board.sram_bytes, estimated=False)
