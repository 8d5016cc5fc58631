"""The boards a search targets: the ones deploy knows (registered by board plugins), seen as limits and speeds.

Why no board list here: deploy's board plugins (``plugins/boards``, read through
:mod:`studio.deploy.board_registry`) already say what every board has (flash, SRAM, core, clock); a second
list would drift. The search adds two things a :class:`~studio.deploy.board.Board` does not carry:

* the **budget** a model may use: the board's SRAM less the stack and firmware state, its flash less the
  firmware's code, exactly what deploy's fit check (:func:`studio.deploy.fit.estimate_fit`) adds to the arena
  and the constants; so "fits the preset" and "deploy's fit check passes" are the same statement;
* the **cycles per MAC** of the board's core (:data:`CORE_CYCLES_PER_MAC`), for the per-board latency
  columns. These are estimates, measured on QEMU for searched subnets (see the table's comment); a board
  whose core is not listed gets no latency column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Cycles per int8 MAC of the studio's fast kernels on a whole searched subnet (inverted residual blocks,
#: requantization, adds and pooling included), by ``Board.core``. Measured by deploying three subnets of the
#: default space (34 k to 1.5 M MACs) to QEMU (``python -m benchmarks.run --only nas_boards``): instructions
#: per MAC averaged 4.10 on qemu-m3, 3.14 on m4, 3.08 on m7, 3.14 on m33 (-icount), and deploy's Cortex-M4
#: cycle model (:mod:`studio.deploy.cycles`) gave 4.09 cycles per MAC, 1.30 cycles per instruction, which
#: also prices the M3 and M33 (the same 3-stage pipeline). The M7 (dual issue, caches) is counted at one
#: cycle per instruction. The M0+ has no QEMU board: its value is the M3's times 1.6 (no multiply-accumulate
#: instruction, eight low registers), an extrapolation. Small subnets cost about 20% more per MAC than the
#: average, large ones 20% less.
CORE_CYCLES_PER_MAC: dict[str, float] = {
    "cortex-m0plus": 8.5,
    "cortex-m3": 5.3,
    "cortex-m4": 4.1,
    "cortex-m33": 4.1,
    "cortex-m7": 3.1,
}


@dataclass(frozen=True)
class SearchBoard:
    """A registered :class:`~studio.deploy.board.Board` as the search sees it: its budgets and its speed."""

    board: Any  # studio.deploy.board.Board
    cycles_per_mac: float | None

    @property
    def id(self) -> str:
        return str(self.board.id)

    @property
    def name(self) -> str:
        return str(self.board.name)

    @property
    def short_name(self) -> str:
        """The name without its chip, and for real boards without the vendor (``Nano 33 BLE Sense``, ``Pico 2``,
        ``QEMU MPS2 AN386``): a column title."""
        name = str(self.board.name).split(" (")[0]
        vendor = str(self.board.vendor or "")
        if vendor and not self.board.is_emulated and name.startswith(vendor + " "):
            return name.removeprefix(vendor + " ")
        return name

    @property
    def clock_mhz(self) -> float:
        """The clock the studio's firmware runs the core at (what deploy measures latency at)."""
        return float(self.board.clock_hz) / 1e6

    @property
    def sram_overhead_bytes(self) -> int:
        """SRAM deploy's fit check adds to the arena: the stack and the firmware's own state."""
        from studio.deploy.firmware import STACK_BYTES
        from studio.deploy.fit import FIRMWARE_RAM_BYTES

        return STACK_BYTES + FIRMWARE_RAM_BYTES

    @property
    def flash_overhead_bytes(self) -> int:
        """Flash deploy's fit check adds to the model's constants: the firmware's code."""
        from studio.deploy.fit import FIRMWARE_CODE_BYTES

        return FIRMWARE_CODE_BYTES

    @property
    def sram_budget_bytes(self) -> int:
        """The largest arena (the search's peak SRAM) deploy's fit check accepts on this board."""
        return max(0, int(self.board.sram_bytes) - self.sram_overhead_bytes)

    @property
    def flash_budget_bytes(self) -> int:
        """The most constant bytes (the search's flash) deploy's fit check accepts on this board."""
        return max(0, int(self.board.flash_bytes) - self.flash_overhead_bytes)

    def fit(self, flash_bytes: int, arena_bytes: int) -> Any:
        """Deploy's own pre-build fit check (a :class:`~studio.deploy.fit.FitReport`) for these costs."""
        from studio.deploy.fit import estimate_fit

        return estimate_fit(self.board, int(flash_bytes), int(arena_bytes))

    def fits(self, costs: Any) -> bool:
        """Whether a trial (dict) or :class:`~studio.optimize.nas.costs.SubnetCosts` fits this board."""
        get = costs.get if isinstance(costs, dict) else lambda key: getattr(costs, key)
        return bool(self.fit(get("flash_bytes"), get("peak_sram_bytes")).fits)

    def latency_ms(self, macs: float) -> float | None:
        """Estimated milliseconds for ``macs`` MACs on this board (None when its core has no estimate)."""
        if self.cycles_per_mac is None:
            return None
        return float(macs) * self.cycles_per_mac / float(self.board.clock_hz) * 1e3


def search_board_for(board: Any) -> SearchBoard:
    """``board`` (a registered Board) with the cycles per MAC of its core."""
    return SearchBoard(board, CORE_CYCLES_PER_MAC.get(str(board.core)))


def search_boards() -> list[SearchBoard]:
    """Every board deploy knows, real boards first (a search usually targets one), then emulated ones."""
    from studio.deploy.board_registry import boards

    registered = boards()
    ordered = [b for b in registered if not b.is_emulated] + [b for b in registered if b.is_emulated]
    return [search_board_for(b) for b in ordered]


def latency_boards() -> list[SearchBoard]:
    """The real boards whose core has a speed estimate: the trial table's per-board latency columns."""
    return [b for b in search_boards() if not b.board.is_emulated and b.cycles_per_mac is not None]


def search_board(board_id: str) -> SearchBoard:
    """The board ``board_id``; raises :class:`~studio.deploy.board_registry.UnknownBoardError` listing the ids."""
    from studio.deploy.board_registry import get_board

    return search_board_for(get_board(board_id))
