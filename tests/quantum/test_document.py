"""The builder's edits as commands: add, move, delete, copy/paste, parameters, QASM edits, undo and redo."""

from __future__ import annotations

import pytest

from plugins.quantum.circuit.document import CircuitDocument
from plugins.quantum.circuit.model import Circuit, CircuitError, Operation, make_op


def test_edits_undo_and_redo() -> None:
    doc = CircuitDocument(Circuit(3))
    seen: list[str] = []
    doc.changed.connect(lambda _c, origin: seen.append(origin))
    doc.add(make_op("h", [0], column=0))
    doc.add(make_op("cx", [0, 1], column=1))
    doc.add(make_op("x", [2], column=1))
    assert [o.name for o in doc.circuit.operations] == ["h", "cx", "x"]
    doc.add(make_op("z", [1], column=1))  # taken: later operations shift right
    assert {(o.name, o.column) for o in doc.circuit.operations} == {("h", 0), ("z", 1), ("cx", 2), ("x", 2)}
    cx = next(o for o in doc.circuit.operations if o.name == "cx")
    doc.move(cx, 4, 1)
    assert next(o for o in doc.circuit.operations if o.name == "cx").qubits == (1, 2)
    with pytest.raises(CircuitError):
        doc.move(next(o for o in doc.circuit.operations if o.name == "cx"), 4, 2)  # would leave the circuit
    doc.delete([o for o in doc.circuit.operations if o.name == "x"])
    assert doc.undo_stack.undo_text == "Delete X"
    doc.undo_stack.undo()
    assert "x" in [o.name for o in doc.circuit.operations]
    doc.undo_stack.redo()
    assert "x" not in [o.name for o in doc.circuit.operations]
    while doc.undo_stack.can_undo:
        doc.undo_stack.undo()
    assert doc.circuit.operations == () and seen[-1] == "undo"


def test_copy_paste_parameters_symbols_and_qasm() -> None:
    doc = CircuitDocument(Circuit(2))
    doc.add(make_op("rx", [0], ["theta"], column=0))
    doc.add(make_op("cz", [0, 1], column=1))
    doc.copy(doc.circuit.operations)
    doc.paste(doc.circuit.num_columns)
    assert [o.column for o in doc.circuit.operations] == [0, 1, 2, 3]
    rx = doc.circuit.operations[0]
    doc.set_params(rx, ["2*theta + pi/4"])
    assert doc.circuit.operations[0].params[0].terms == (("theta", 2.0),)
    doc.set_value("theta", 0.1)
    doc.set_value("theta", 0.2)  # a slider drag: one undo step
    assert doc.circuit.values() == {"theta": 0.2}
    doc.undo_stack.undo()
    assert doc.circuit.values() == {"theta": 0.0}
    doc.undo_stack.redo()
    moved = doc.circuit.with_operations(o.moved(o.column + 5) for o in doc.circuit.operations)
    doc.replace_from_qasm(moved.compacted())  # the same operations: the user's layout stays
    assert doc.circuit.operations[-1].column == 3
    doc.replace_from_qasm(Circuit(2, (Operation("h", (1,)),)))
    assert [o.name for o in doc.circuit.operations] == ["h"] and doc.undo_stack.undo_text == "Edit QASM"
    with pytest.raises(CircuitError):
        doc.set_num_qubits(1)  # qubit 1 is in use
