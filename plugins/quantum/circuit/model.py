"""The circuit as the builder shows it: qubits (rows) by time steps (columns), immutable.

Why immutable with a column per operation: undo is a pointer move (every edit makes a new :class:`Circuit`), the
grid draws exactly what is stored, and QASM written from it reads back to the same operations. An operation
occupies the rows from its lowest to its highest qubit in its column (that is how it is drawn), and no two
operations overlap. Operations in one column act on disjoint qubits, so their order within a column is free.

Measurements write a classical bit (``clbit``); outcome bitstrings follow qiskit (clbit 0 is the rightmost).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from plugins.quantum.circuit.angle import Angle
from plugins.quantum.circuit.gates import canonical_name, gate
from studio.core.errors import StudioError

#: Largest circuit the builder and the live simulation take (statevector of 2^MAX_QUBITS amplitudes).
MAX_QUBITS = 16


class CircuitError(StudioError):
    """An edit or a circuit that is not valid (wrong qubit count, overlap, out-of-range qubit ...)."""


@dataclass(frozen=True)
class Operation:
    """One gate, measurement or barrier at ``column`` on ``qubits`` (order matters: controls first)."""

    name: str
    qubits: tuple[int, ...]
    params: tuple[Angle, ...] = ()
    column: int = 0
    clbit: int | None = None

    def __post_init__(self) -> None:
        spec = gate(self.name)
        object.__setattr__(self, "name", spec.name)
        object.__setattr__(self, "qubits", tuple(int(q) for q in self.qubits))
        object.__setattr__(self, "params", tuple(Angle.of(p) for p in self.params))
        if spec.name != "barrier" and len(self.qubits) != spec.num_qubits:
            raise CircuitError(f"{spec.name} takes {spec.num_qubits} qubit(s), got {len(self.qubits)}")
        if not self.qubits:
            raise CircuitError(f"{spec.name} needs at least one qubit")
        if len(set(self.qubits)) != len(self.qubits):
            raise CircuitError(f"{spec.name} is applied to the same qubit twice: {list(self.qubits)}")
        if len(self.params) != spec.num_params:
            raise CircuitError(f"{spec.name} takes {spec.num_params} parameter(s), got {len(self.params)}")
        if self.column < 0:
            raise CircuitError("column must be >= 0")
        if spec.name == "measure" and self.clbit is None:
            object.__setattr__(self, "clbit", self.qubits[0])

    @property
    def rows(self) -> range:
        """The rows the operation covers on the grid (lowest to highest qubit)."""
        return range(min(self.qubits), max(self.qubits) + 1)

    @property
    def symbols(self) -> set[str]:
        return {s for p in self.params for s in p.symbols}

    def moved(self, column: int, qubits: Sequence[int] | None = None) -> Operation:
        return replace(self, column=column, qubits=tuple(qubits) if qubits is not None else self.qubits)

    def same_action(self, other: Operation) -> bool:
        """True when the two do the same thing, wherever they are drawn."""
        return (self.name, self.qubits, self.params, self.clbit) == (
            other.name,
            other.qubits,
            other.params,
            other.clbit,
        )


def _ordered(ops: Iterable[Operation]) -> tuple[Operation, ...]:
    return tuple(sorted(ops, key=lambda op: (op.column, min(op.qubits))))


@dataclass(frozen=True)
class Circuit:
    """``num_qubits`` rows and the operations on them, sorted by (column, top row)."""

    num_qubits: int
    operations: tuple[Operation, ...] = ()
    num_clbits: int = 0
    name: str = "circuit"
    symbol_values: tuple[tuple[str, float], ...] = field(default=())  # values the live view uses for symbols

    def __post_init__(self) -> None:
        if not 1 <= self.num_qubits <= MAX_QUBITS:
            raise CircuitError(f"a circuit has 1 to {MAX_QUBITS} qubits, got {self.num_qubits}")
        ops = _ordered(self.operations)
        object.__setattr__(self, "operations", ops)
        occupied: dict[tuple[int, int], Operation] = {}
        needed_clbits = 0
        for op in ops:
            if max(op.qubits) >= self.num_qubits:
                raise CircuitError(f"{op.name} on qubit {max(op.qubits)}, but the circuit has {self.num_qubits}")
            for row in op.rows:
                other = occupied.get((op.column, row))
                if other is not None:
                    raise CircuitError(f"{op.name} and {other.name} overlap at column {op.column}, qubit {row}")
                occupied[(op.column, row)] = op
            if op.clbit is not None:
                needed_clbits = max(needed_clbits, op.clbit + 1)
        object.__setattr__(self, "num_clbits", max(self.num_clbits, needed_clbits))
        object.__setattr__(self, "symbol_values", tuple(sorted(dict(self.symbol_values).items())))

    # --- queries ------------------------------------------------------------------------------------------
    @property
    def num_columns(self) -> int:
        return 1 + max((op.column for op in self.operations), default=-1)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol the parameters use, sorted."""
        return tuple(sorted({s for op in self.operations for s in op.symbols}))

    @property
    def measured(self) -> bool:
        return any(op.name == "measure" for op in self.operations)

    def values(self) -> dict[str, float]:
        """Values for every symbol (0.0 for those without one)."""
        stored = dict(self.symbol_values)
        return {s: stored.get(s, 0.0) for s in self.symbols}

    def at(self, column: int, row: int) -> Operation | None:
        """The operation drawn over (column, row), or None."""
        for op in self.operations:
            if op.column == column and row in op.rows:
                return op
        return None

    def is_free(self, column: int, rows: Iterable[int], ignore: Iterable[Operation] = ()) -> bool:
        skip = set(ignore)
        return all(op in skip or op.column != column or not set(op.rows) & set(rows) for op in self.operations)

    def gate_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op in self.operations:
            if op.name != "barrier":
                counts[op.name] = counts.get(op.name, 0) + 1
        return counts

    def depth(self) -> int:
        """Layers of gates (barriers and measurements excluded), as qiskit's ``depth()`` counts gates."""
        level = [0] * self.num_qubits
        for op in self.operations:
            if op.name == "barrier":
                continue
            top = max(level[q] for q in op.qubits) + 1
            for q in op.qubits:
                level[q] = top
        return max(level, default=0)

    # --- edits (each returns a new circuit) ---------------------------------------------------------------
    def with_operations(self, ops: Iterable[Operation]) -> Circuit:
        return replace(self, operations=tuple(ops))

    def with_values(self, values: Mapping[str, float]) -> Circuit:
        merged = dict(self.symbol_values)
        merged.update({k: float(v) for k, v in values.items()})
        return replace(self, symbol_values=tuple(merged.items()))

    def inserted(self, op: Operation) -> Circuit:
        """``op`` added at its column; if that spot is taken, every later operation shifts right one column."""
        if self.is_free(op.column, op.rows):
            return self.with_operations((*self.operations, op))
        shifted = [o.moved(o.column + 1) if o.column >= op.column else o for o in self.operations]
        return self.with_operations((*shifted, op))

    def without(self, ops: Iterable[Operation]) -> Circuit:
        gone = set(ops)
        return self.with_operations(o for o in self.operations if o not in gone)

    def replaced(self, old: Operation, new: Operation) -> Circuit:
        return self.without([old]).inserted(new)

    def with_num_qubits(self, n: int) -> Circuit:
        """Add or remove rows; removing a row that an operation uses raises :class:`CircuitError`."""
        used = max((max(op.qubits) for op in self.operations), default=-1)
        if n <= used:
            raise CircuitError(f"qubit {used} is in use; delete its gates first")
        return replace(self, num_qubits=n)

    def compacted(self) -> Circuit:
        """Every operation moved as far left as it goes, keeping their order (the layout QASM import gives)."""
        return self.with_operations(asap_layout(self.operations, self.num_qubits))


def asap_layout(ops: Iterable[Operation], num_qubits: int) -> list[Operation]:
    """Place operations (in program order) each in the first column after everything on its rows."""
    next_free = [0] * num_qubits
    placed: list[Operation] = []
    for op in ops:
        rows = op.rows
        column = max(next_free[r] for r in rows)
        for r in rows:
            next_free[r] = column + 1
        placed.append(op.moved(column))
    return placed


def make_op(name: str, qubits: Sequence[int], params: Sequence[float | str | Angle] = (), **kw: object) -> Operation:
    """Shorthand used by tests and presets: ``make_op("rx", [0], ["theta"])``."""
    return Operation(canonical_name(name), tuple(qubits), tuple(Angle.of(p) for p in params), **kw)  # type: ignore[arg-type]


def circuit_from_ops(num_qubits: int, ops: Iterable[Operation], **kw: object) -> Circuit:
    """A circuit with ``ops`` (in program order) laid out as far left as they go."""
    return Circuit(num_qubits, tuple(asap_layout(ops, num_qubits)), **kw)  # type: ignore[arg-type]
