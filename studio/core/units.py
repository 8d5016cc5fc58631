"""Human-readable numbers (counts, bytes, shapes), shared by the CLI and every view so they agree."""

from __future__ import annotations

from collections.abc import Sequence


def human_count(n: float | None) -> str:
    """``1234567`` -> ``"1.23M"``; ``None`` -> an en dash."""
    if n is None:
        return "–"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def human_bytes(n: float | None) -> str:
    """Bytes in B/KiB/MiB/GiB with three significant digits."""
    if n is None:
        return "–"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def shape_text(shape: Sequence[object] | None) -> str:
    """``(1, 16, 8, 8)`` -> ``"1×16×8×8"``; unknown -> ``"?"``."""
    if not shape:
        return "?"
    return "×".join("?" if d is None else str(d) for d in shape)
