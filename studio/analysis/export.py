"""Write a :class:`~studio.analysis.profile.ModelProfile` as CSV (for spreadsheets) or JSON (for scripts)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.analysis.profile import ModelProfile

CSV_COLUMNS = (
    "name",
    "op",
    "module",
    "output_shape",
    "params",
    "macs",
    "weight_bytes",
    "activation_bytes",
    "latency_ms",
)
TOTAL_ROW_NAME = "__total__"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "x".join("?" if d is None else str(d) for d in value)
    return value


def profile_to_csv(profile: ModelProfile, path: Path) -> None:
    """One header row, one row per layer, and a ``__total__`` row (its activation column holds the peak).

    Raises ``OSError`` when the file can't be written.
    """
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for layer in profile.layers:
            writer.writerow([_cell(getattr(layer, c)) for c in CSV_COLUMNS])
        t = profile.total
        writer.writerow(
            [
                TOTAL_ROW_NAME,
                "",
                "",
                "",
                t.params,
                t.macs,
                t.weight_bytes,
                t.peak_activation_bytes,
                _cell(t.latency_ms),
            ]
        )


def profile_to_json(profile: ModelProfile, path: Path) -> None:
    """``profile.to_dict()`` as indented JSON. Raises ``OSError`` when the file can't be written."""
    Path(path).write_text(json.dumps(profile.to_dict(), indent=2) + "\n", encoding="utf-8")


def read_profile_csv(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The layer rows and the total row of a CSV written by :func:`profile_to_csv` (values as strings)."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    layers = [r for r in rows if r["name"] != TOTAL_ROW_NAME]
    total = next((r for r in rows if r["name"] == TOTAL_ROW_NAME), {})
    return layers, total
