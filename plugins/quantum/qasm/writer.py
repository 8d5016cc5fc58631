"""Writes a :class:`~plugins.quantum.circuit.model.Circuit` as OpenQASM 3 that qiskit and our reader both take.

Gates outside ``stdgates.inc`` (``sxdg``, ``ecr``, ``rxx`` ...) get a ``gate`` definition at the top that is exact,
global phase included, so qiskit's importer builds the same unitary. Symbols become ``input float[64]``.
"""

from __future__ import annotations

from plugins.quantum.circuit.angle import format_angle
from plugins.quantum.circuit.model import Circuit, Operation

#: Exact definitions, in terms of stdgates.inc, of the library gates stdgates.inc lacks.
_DEFINITIONS: dict[str, str] = {
    "sxdg": "gate sxdg a { rx(-pi/2) a; gphase(-pi/4); }",
    "u2": "gate u2(phi, lambda) a { U(pi/2, phi, lambda) a; }",
    "rzz": "gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }",
    "rxx": "gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }",
    "ryy": (
        "gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; rx(-pi/2) a; rx(-pi/2) b; }"
    ),
    "ecr": ("gate ecr a, b { h b; cx a, b; rz(pi/4) b; cx a, b; h b; x a; h b; cx a, b; rz(-pi/4) b; cx a, b; h b; }"),
}


def _operation_line(op: Operation, qubit: str, clbit: str) -> str:
    args = ", ".join(f"{qubit}[{q}]" for q in op.qubits)
    if op.name == "measure":
        return f"{clbit}[{op.clbit}] = measure {args};"
    if op.name == "barrier":
        return f"barrier {args};"
    params = f"({', '.join(format_angle(p) for p in op.params)})" if op.params else ""
    return f"{op.name}{params} {args};"


def _header(circuit: Circuit, qubit: str, clbit: str) -> list[str]:
    lines = ["OPENQASM 3.0;", 'include "stdgates.inc";']
    used = {op.name for op in circuit.operations}
    lines += [text for name, text in _DEFINITIONS.items() if name in used]
    lines += [f"input float[64] {name};" for name in circuit.symbols]
    lines.append(f"qubit[{circuit.num_qubits}] {qubit};")
    if circuit.num_clbits:
        lines.append(f"bit[{circuit.num_clbits}] {clbit};")
    return lines


def write_qasm3(circuit: Circuit, qubit: str = "q", clbit: str = "c") -> str:
    """OpenQASM 3 text for ``circuit``; operations in column order, one per line."""
    lines = _header(circuit, qubit, clbit) + [_operation_line(op, qubit, clbit) for op in circuit.operations]
    return "\n".join(lines) + "\n"


def operation_lines(circuit: Circuit) -> dict[Operation, int]:
    """The 1-based line of each operation in :func:`write_qasm3`'s text (the editor highlights it)."""
    first = len(_header(circuit, "q", "c")) + 1
    return {op: first + k for k, op in enumerate(circuit.operations)}
