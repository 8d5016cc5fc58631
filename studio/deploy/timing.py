"""What a device's counter ticks mean: instructions (QEMU, ``-icount``) or cycles (DWT on real boards), per
inference and per layer, and per multiply-accumulate, so kernels can be compared across models.

Why MACs counted here: the int8 IR is what runs, so its shapes (padding taps included, as TFLite Micro and
TinyEngine count them) give the work each kernel did.
"""

from __future__ import annotations

from typing import Any

from studio.deploy.board import Board


def op_macs(op: Any, model: Any) -> int:
    """Multiply-accumulates of one int8 op: ``Ho*Wo*Cout*Kh*Kw*Cin/groups`` for a convolution, ``in*out`` for
    a fully connected layer, 0 for everything else."""
    kind = type(op).kind
    if kind == "conv2d":
        ho, wo, cout = model.tensor(op.output).shape
        _, kh, kw, cin_g = op.weights.shape
        return int(ho * wo * cout * kh * kw * cin_g)
    if kind == "fully_connected":
        return int(op.weights.size)
    return 0


def model_macs(model: Any) -> int:
    """Multiply-accumulates of one inference."""
    return sum(op_macs(op, model) for op in model.ops)


def tick_unit(board: Board) -> tuple[str, float]:
    """``("instructions", per tick)`` on an emulated board, ``("cycles", 1.0)`` on a real one."""
    if board.emulated is not None:
        return "instructions", board.emulated.instructions_per_tick
    return "cycles", 1.0


def layer_timing(board: Board, model: Any, ticks: list[int]) -> list[dict[str, Any]]:
    """One row per op: name, ticks, instructions or cycles, MACs and the unit per MAC (None without MACs)."""
    unit, per_tick = tick_unit(board)
    rows = []
    for op, t in zip(model.ops, ticks, strict=False):
        amount = round(t * per_tick)
        macs = op_macs(op, model)
        rows.append(
            {
                "name": op.name,
                "ticks": int(t),
                unit: amount,
                "macs": macs,
                f"{unit}_per_mac": amount / macs if macs else None,
            }
        )
    return rows
