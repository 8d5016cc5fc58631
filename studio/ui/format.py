"""Number formatting for the views; the functions live Qt-free in :mod:`studio.core.units` (the CLI uses them)."""

from __future__ import annotations

from studio.core.units import human_bytes, human_count, shape_text

__all__ = ["human_bytes", "human_count", "shape_text"]
