"""A circuit prepared for fast, repeated, batched simulation.

Why a separate step: training runs the same circuit thousands of times. Here the circuit's angles become one
affine map ``angles = values @ coef + const`` over all its symbols, so a whole batch of inputs and weights is
turned into every gate's angles by one matrix product, and autograd flows through it to the symbols.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugins.quantum.circuit.gates import GateSpec, gate
from plugins.quantum.circuit.model import Circuit, Operation
from studio.core.errors import StudioError

Tensor = Any


class SimulationError(StudioError):
    """A circuit or its inputs cannot be simulated (missing symbol value, wrong batch shape ...)."""


@dataclass(frozen=True)
class Step:
    """One operation to apply: its spec, qubits and the columns of the angle matrix that hold its angles."""

    op: Operation
    spec: GateSpec
    slots: tuple[int, ...]


@dataclass(frozen=True)
class Program:
    """Steps in time order, the symbol order of the values matrix, and the affine map from values to angles."""

    num_qubits: int
    steps: tuple[Step, ...]
    symbols: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]  # (num_symbols, num_angles)
    const: tuple[float, ...]  # (num_angles,)
    circuit: Circuit
    _tensors: dict[Any, tuple[Tensor, Tensor]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def num_angles(self) -> int:
        return len(self.const)

    def values_matrix(self, values: Mapping[str, Any] | Tensor | None, dtype: Any) -> Tensor:
        """``(B, S)`` tensor of symbol values from a mapping (numbers or ``(B,)`` tensors) or a tensor."""
        import torch

        if not self.symbols:
            return torch.zeros(1, 0, dtype=dtype)
        if isinstance(values, torch.Tensor):
            v = values.to(dtype)
            if v.dim() == 1:
                v = v.unsqueeze(0)
            if v.shape[-1] != len(self.symbols):
                raise SimulationError(f"expected {len(self.symbols)} symbol values per row, got {v.shape[-1]}")
            return v
        values = dict(values or {})
        missing = [s for s in self.symbols if s not in values]
        if missing:
            raise SimulationError(f"no value for symbol(s) {', '.join(missing)}")
        columns = [torch.as_tensor(values[s], dtype=dtype) for s in self.symbols]
        batch = max((c.numel() if c.dim() > 0 else 1) for c in columns)
        for s, c in zip(self.symbols, columns, strict=True):
            if c.dim() > 0 and c.numel() not in (1, batch):
                raise SimulationError(f"symbol {s!r} has {c.numel()} values; expected 1 or {batch}")
        return torch.stack([c.reshape(-1).expand(batch) for c in columns], dim=-1)

    def angles(self, values: Mapping[str, Any] | Tensor | None, dtype: Any) -> Tensor:
        """``(B, num_angles)`` angles of every parameterised gate for the given symbol values."""
        import torch

        if dtype not in self._tensors:
            coef = torch.tensor(self.coef, dtype=dtype).reshape(len(self.symbols), self.num_angles)
            self._tensors[dtype] = (coef, torch.tensor(self.const, dtype=dtype))
        coef, const = self._tensors[dtype]
        if not self.symbols:
            return const.unsqueeze(0)
        return self.values_matrix(values, dtype) @ coef + const


def compile_circuit(circuit: Circuit, symbols: Sequence[str] | None = None) -> Program:
    """Prepare ``circuit``; ``symbols`` fixes the order of the values matrix (default: sorted names).

    Raises :class:`SimulationError` if ``symbols`` misses one the circuit uses.
    """
    order = tuple(symbols) if symbols is not None else circuit.symbols
    index = {s: k for k, s in enumerate(order)}
    missing = [s for s in circuit.symbols if s not in index]
    if missing:
        raise SimulationError(f"symbol(s) {', '.join(missing)} not in the given symbol order")
    steps: list[Step] = []
    coef_cols: list[list[float]] = []
    const: list[float] = []
    for op in circuit.operations:
        slots = []
        for angle in op.params:
            col = [0.0] * len(order)
            for name, c in angle.terms:
                col[index[name]] = c
            coef_cols.append(col)
            const.append(angle.const)
            slots.append(len(const) - 1)
        steps.append(Step(op, gate(op.name), tuple(slots)))
    coef = tuple(tuple(coef_cols[a][s] for a in range(len(const))) for s in range(len(order)))
    return Program(circuit.num_qubits, tuple(steps), order, coef, tuple(const), circuit)
