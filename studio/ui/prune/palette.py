"""Colours for one curve per layer: distinct, readable on light and dark backgrounds."""

from __future__ import annotations

# Tableau 10, the usual choice for categorical series.
SERIES = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def series_color(index: int) -> str:
    """The colour of series ``index`` (cycling)."""
    return SERIES[index % len(SERIES)]
