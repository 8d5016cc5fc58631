"""First-party plugin: the boards the studio deploys to, one description module per board family.

Registered through the ``tinyml_studio.plugins`` entry point (``boards = "plugins.boards:register"``) exactly
like a third-party board package would be; the studio never imports this package by name. To add a board,
write a :class:`studio.deploy.board.Board` in a module here (or in your own plugin) and add it in
:func:`register`.
"""

from __future__ import annotations

from typing import Any


def all_boards() -> list[Any]:
    """Every board this plugin describes."""
    from plugins.boards import esp32, nrf52, qemu_mps2, rp2, stm32_nucleo

    return [*qemu_mps2.BOARDS, *stm32_nucleo.BOARDS, *rp2.BOARDS, *nrf52.BOARDS, *esp32.BOARDS]


def register(registry: Any) -> None:
    """Entry point: add every board to the studio's board list."""
    for board in all_boards():
        registry.add_board(board)
