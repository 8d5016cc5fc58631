"""The fit check refuses a model too big for a board before anything is built, with the numbers."""

from __future__ import annotations

import pytest

from studio.deploy.board_registry import get_board
from studio.deploy.errors import FitError
from studio.deploy.fit import estimate_fit


def test_too_big_for_the_board_says_how_much_and_what_to_do() -> None:
    pico = get_board("pico")
    report = estimate_fit(pico, const_bytes=400 * 1024, arena_bytes=200 * 1024)
    assert not report.fits
    with pytest.raises(FitError, match=r"flash .* and SRAM .*prune"):
        report.raise_if_too_big()
    assert estimate_fit(get_board("qemu-m4"), 20_000, 3_000).fits
