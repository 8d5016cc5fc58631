"""The boards the studio can deploy to, as contributed by plugins; read by the CLI and the GUI.

Why a registry of its own: the CLI never starts the window, so the first lookup loads the plugins (through the
``tinyml_studio.plugins`` entry point, like every plugin); tests register boards directly.
"""

from __future__ import annotations

import threading

from studio.core.errors import StudioError
from studio.deploy.board import Board

_BOARDS: dict[str, Board] = {}
_LOADED = False
_LOCK = threading.Lock()


class UnknownBoardError(StudioError):
    """``--board`` names no registered board."""


def register_board(board: Board) -> None:
    """Add ``board``; raises ``ValueError`` if another board already has its id."""
    if not isinstance(board, Board):
        raise ValueError(f"expected a studio.deploy.board.Board, got {type(board).__name__}")
    existing = _BOARDS.get(board.id)
    if existing is not None and existing != board:
        raise ValueError(f"board id {board.id!r} is already taken")
    _BOARDS[board.id] = board


def _ensure_loaded() -> None:
    global _LOADED
    with _LOCK:
        if _LOADED:
            return
        _LOADED = True
    from studio.core.plugins import PluginRegistry, load_plugins

    # A private registry: the window's own (if any) already forwarded its boards here; registering the same
    # description twice is a no-op.
    load_plugins(PluginRegistry())


def boards() -> list[Board]:
    """Every registered board: emulated ones first, each group in the order plugins added them."""
    _ensure_loaded()
    return sorted(_BOARDS.values(), key=lambda b: not b.is_emulated)  # stable: plugin order within each


def get_board(board_id: str) -> Board:
    """The board ``board_id``; raises :class:`UnknownBoardError` listing the known ids."""
    _ensure_loaded()
    try:
        return _BOARDS[board_id]
    except KeyError:
        known = ", ".join(b.id for b in boards()) or "none (is the boards plugin installed?)"
        raise UnknownBoardError(f"unknown board {board_id!r}; known boards: {known}") from None
