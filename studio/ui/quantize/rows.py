"""The rows of the Quantize stage's layer table, from whatever model is current (Qt-free).

Why separate: the table, the planned-size line and the tests all need "which layers can be quantized, how big
are they, at what bits are they now", for a float model (from its profile) and a quantized one (from its
layers), without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLOAT_BITS = 32


@dataclass
class LayerRow:
    """One quantizable layer: module path ``layer``, op ``kind``, weights ``params``, output ``channels``,
    current ``bits`` (32: float) and ``method``, stored ``bytes``, and SQNRs when measured."""

    layer: str
    kind: str
    params: int
    channels: int
    bits: int = FLOAT_BITS
    method: str = "float"
    bytes: int = 0
    weight_sqnr_db: float | None = None
    output_sqnr_db: float | None = None


def rows_for(opened: Any) -> list[LayerRow]:
    """Rows of the current model (an :class:`~studio.workflows.open_model.OpenedModel`), in graph order."""
    from studio.optimize.quantize.sim_model import QuantSimModel

    model = opened.model
    module = model.module
    if isinstance(module, QuantSimModel):
        analysis = {r["layer"]: r for r in model.metadata.get("quantization", {}).get("analysis", {}).get("layers", [])}
        rows = []
        for layer in module.layers():
            info = layer.describe()
            measured = analysis.get(info["layer"], {})
            rows.append(
                LayerRow(
                    info["layer"], info["kind"], info["params"], layer.out_channels, info["bits"], info["method"],
                    info["bytes"], measured.get("weight_sqnr_db"), measured.get("output_sqnr_db"),
                )
            )  # fmt: skip
        return rows
    return _float_rows(opened)


def _float_rows(opened: Any) -> list[LayerRow]:
    kinds = {"Conv": "conv2d", "Gemm": "linear"}
    rows: list[LayerRow] = []
    seen: set[str] = set()
    for node in opened.model.graph.nodes:
        if node.op not in kinds or not node.module or node.module in seen or not node.params:
            continue
        seen.add(node.module)
        weight = max(node.params.values(), key=lambda p: p.ndim * 10**12 + p.size)
        channels = int(weight.shape[0]) if weight.ndim else 1
        rows.append(LayerRow(node.module, kinds[node.op], int(weight.size), channels, bytes=node.param_bytes))
    return rows


def planned_bytes(rows: list[LayerRow], bits: dict[str, int]) -> int:
    """Stored bytes if each row were linearly quantized to ``bits[layer]`` (32: float)."""
    from studio.optimize.quantize.allocation import layer_bytes

    total = 0
    for row in rows:
        b = bits.get(row.layer, row.bits)
        total += 4 * (row.params + row.channels) if b >= FLOAT_BITS else layer_bytes(row.params, row.channels, b)
    return total
