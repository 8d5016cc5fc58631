"""The circuit being edited, with undo: every edit is a command that swaps one immutable circuit for another.

Qt-free so the builder's behaviour (add, move, delete, copy/paste, parameters, QASM edits, undo/redo) is tested
without a window. ``changed(circuit, origin)`` fires after every change; ``origin`` is "grid", "qasm" or
"undo", so the QASM editor does not rewrite the text the user is typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from plugins.quantum.circuit.angle import Angle
from plugins.quantum.circuit.model import Circuit, CircuitError, Operation
from studio.core.commands import Command, UndoStack
from studio.core.events import EventEmitter


class CircuitEditCommand(Command):
    """Replace the document's circuit; undo puts the old one back. Slider drags of one symbol merge."""

    def __init__(self, doc: CircuitDocument, before: Circuit, after: Circuit, text: str, origin: str) -> None:
        self.doc = doc
        self.before = before
        self.after = after
        self.text = text
        self.origin = origin

    def do(self) -> None:
        self.doc._set(self.after, self.origin)

    def undo(self) -> None:
        self.doc._set(self.before, "undo")

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, CircuitEditCommand) and other.text == self.text and self.text.startswith("Set value"):
            self.after = other.after
            return True
        return False


class CircuitDocument:
    """Holds the current circuit and its undo stack; all edits go through :meth:`edit`."""

    def __init__(self, circuit: Circuit | None = None) -> None:
        self.circuit = circuit or Circuit(2)
        self.undo_stack = UndoStack(limit=500)
        self.changed = EventEmitter("circuit.changed")
        self.clipboard: tuple[Operation, ...] = ()

    def _set(self, circuit: Circuit, origin: str) -> None:
        self.circuit = circuit
        self.changed.emit(circuit, origin)

    def edit(self, after: Circuit, text: str, origin: str = "grid") -> None:
        """Make ``after`` current as one undo step (no step when nothing changes)."""
        if after == self.circuit:
            return
        self.undo_stack.push(CircuitEditCommand(self, self.circuit, after, text, origin))

    # --- the builder's edits ------------------------------------------------------------------------------
    def add(self, op: Operation) -> None:
        """Drop a gate; raises :class:`CircuitError` when it does not fit the qubits."""
        self.edit(self.circuit.inserted(op), f"Add {op.name.upper()}")

    def move(self, op: Operation, column: int, top_row: int) -> None:
        """Move ``op`` so its top row is ``top_row`` at ``column`` (the qubits keep their spacing)."""
        shift = top_row - min(op.qubits)
        qubits = tuple(q + shift for q in op.qubits)
        if min(qubits) < 0 or max(qubits) >= self.circuit.num_qubits:
            raise CircuitError("the gate would leave the circuit")
        self.edit(self.circuit.replaced(op, op.moved(column, qubits)), f"Move {op.name.upper()}")

    def delete(self, ops: Iterable[Operation]) -> None:
        ops = list(ops)
        if ops:
            self.edit(
                self.circuit.without(ops),
                f"Delete {len(ops)} operation(s)" if len(ops) > 1 else f"Delete {ops[0].name.upper()}",
            )

    def set_params(self, op: Operation, params: Sequence[Angle | str | float]) -> None:
        new = Operation(op.name, op.qubits, tuple(Angle.of(p) for p in params), op.column, op.clbit)
        self.edit(self.circuit.replaced(op, new), f"Set {op.name.upper()} parameters")

    def set_num_qubits(self, n: int) -> None:
        self.edit(self.circuit.with_num_qubits(n), f"{n} qubits")

    def set_value(self, symbol: str, value: float) -> None:
        self.edit(self.circuit.with_values({symbol: value}), f"Set value of {symbol}")

    def copy(self, ops: Iterable[Operation]) -> None:
        self.clipboard = tuple(sorted(ops, key=lambda o: (o.column, min(o.qubits))))

    def paste(self, column: int) -> None:
        """Insert the clipboard starting at ``column`` (after everything else in those rows if it is taken)."""
        if not self.clipboard:
            return
        first = min(o.column for o in self.clipboard)
        circuit = self.circuit
        for op in self.clipboard:
            if max(op.qubits) >= circuit.num_qubits:
                raise CircuitError("the copied gates need more qubits")
            circuit = circuit.inserted(op.moved(column + op.column - first))
        self.edit(circuit, f"Paste {len(self.clipboard)} operation(s)")

    def compact(self) -> None:
        self.edit(self.circuit.compacted(), "Align left")

    def replace_from_qasm(self, circuit: Circuit) -> None:
        """Take a circuit read from the editor; keep the current layout when only the text moved."""
        current = self.circuit
        same = len(current.operations) == len(circuit.operations) and all(
            a.same_action(b) for a, b in zip(current.operations, circuit.operations, strict=True)
        )
        if same and current.num_qubits == circuit.num_qubits:
            return
        self.edit(circuit.with_values(dict(current.symbol_values)), "Edit QASM", origin="qasm")

    def load(self, circuit: Circuit, text: str = "Open circuit") -> None:
        self.edit(circuit, text, origin="load")
