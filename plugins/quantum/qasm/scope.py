"""What a QASM program has declared so far, and how names in a statement resolve against it.

The reader's statements (:mod:`plugins.quantum.qasm.reader`) declare registers, inputs and constants here; the
expressions in a statement (gate angles, operands such as ``q[2]``, ``$1`` or a whole register) are resolved here
into :class:`~plugins.quantum.circuit.angle.Angle` values and qubit/bit indices. Every failure is a
:class:`QasmError` at the token that caused it.
"""

from __future__ import annotations

from plugins.quantum.circuit.angle import Angle, AngleError, parse_angle
from plugins.quantum.circuit.model import MAX_QUBITS
from plugins.quantum.qasm.lexer import QasmError, Token

#: A register: (offset of its first index, size, whether it was declared with ``[n]`` and can be indexed).
Register = tuple[int, int, bool]


class Scope:
    """Registers, hardware qubits, input symbols and constants declared by the program so far."""

    def __init__(self) -> None:
        self.qregs: dict[str, Register] = {}
        self.cregs: dict[str, Register] = {}
        self.num_qubits = 0
        self.num_clbits = 0
        self.hw_qubits = False
        self.inputs: list[str] = []
        self.constants: dict[str, float] = {}

    # --- declarations -------------------------------------------------------------------------------------
    def declare_register(self, name: Token, size: int, indexable: bool, quantum: bool) -> None:
        """Add a qubit (``quantum``) or bit register; raises :class:`QasmError` for a taken name, an empty
        register or too many qubits."""
        if name.text in self.qregs or name.text in self.cregs or name.text in self.inputs:
            raise QasmError(f"{name.text!r} is already declared", name.line, name.column)
        if size < 1:
            raise QasmError("a register needs at least one bit", name.line, name.column)
        if quantum:
            self.qregs[name.text] = (self.num_qubits, size, indexable)
            self.num_qubits += size
            if self.num_qubits > MAX_QUBITS:
                raise QasmError(f"more than {MAX_QUBITS} qubits", name.line, name.column)
        else:
            self.cregs[name.text] = (self.num_clbits, size, indexable)
            self.num_clbits += size

    def declare_input(self, name: Token) -> None:
        """Add an input symbol; raises :class:`QasmError` when the name is taken."""
        if name.text in self.inputs or name.text in self.constants:
            raise QasmError(f"{name.text!r} is already declared", name.line, name.column)
        self.inputs.append(name.text)

    # --- expressions ----------------------------------------------------------------------------------------
    def angle(self, tokens: list[Token], at: Token, bindings: dict[str, Angle]) -> Angle:
        """The affine angle ``tokens`` spell, with constants and ``bindings`` (a gate's parameters) substituted.

        Raises :class:`QasmError` for an empty or non-affine expression or an undeclared name.
        """
        if not tokens:
            raise QasmError("empty parameter", at.line, at.column)
        text = " ".join(t.text for t in tokens)
        allowed = set(self.inputs) | set(bindings) | set(self.constants)
        try:
            angle = parse_angle(text, symbols=allowed.__contains__)
        except AngleError as exc:
            hint = " (declare it with `input float[64] name;`)" if "unknown symbol" in str(exc) else ""
            raise QasmError(f"{exc}{hint}", tokens[0].line, tokens[0].column) from None
        subst = {k: Angle(v) for k, v in self.constants.items()}
        subst.update(bindings)
        return angle.substitute(subst)

    def operand(self, tokens: list[Token], quantum: bool, local: dict[str, int] | None) -> list[int]:
        """Indices an operand stands for: one (``q[2]``, ``$1``, a gate argument) or a whole register.

        ``quantum`` looks in the qubit registers, otherwise in the bit registers; ``local`` (inside a gate body)
        maps the gate's qubit arguments to indices. Raises :class:`QasmError` for anything unresolvable.
        """
        regs = self.qregs if quantum else self.cregs
        if not tokens:
            raise QasmError("missing operand", 0, 0)
        head = tokens[0]
        if head.kind == "hwqubit" and quantum and len(tokens) == 1:
            index = int(head.text[1:])
            if index >= MAX_QUBITS:
                raise QasmError(f"hardware qubit {head.text}: at most {MAX_QUBITS} qubits", head.line, head.column)
            if self.qregs:
                raise QasmError("hardware qubits ($n) cannot be mixed with qubit registers", head.line, head.column)
            self.hw_qubits = True
            self.num_qubits = max(self.num_qubits, index + 1)
            return [index]
        if head.kind != "name":
            raise QasmError(f"expected a {'qubit' if quantum else 'bit'}, found {head.text!r}", head.line, head.column)
        if local is not None:
            if head.text not in local or len(tokens) != 1:
                raise QasmError(f"{head.text!r} is not an argument of this gate", head.line, head.column)
            return [local[head.text]]
        if head.text not in regs:
            kind = "qubit" if quantum else "bit"
            raise QasmError(f"unknown {kind} register {head.text!r}", head.line, head.column)
        offset, size, indexable = regs[head.text]
        if len(tokens) == 1:
            return list(range(offset, offset + size))
        if len(tokens) != 4 or tokens[1].text != "[" or tokens[3].text != "]" or not tokens[2].text.isdigit():
            raise QasmError(f"cannot read the operand {' '.join(t.text for t in tokens)!r}", head.line, head.column)
        index = int(tokens[2].text)
        if not indexable and index == 0:
            return [offset]
        if index >= size:
            raise QasmError(f"{head.text}[{index}] is out of range (size {size})", tokens[2].line, tokens[2].column)
        return [offset + index]


def broadcast(operands: list[list[int]], at: Token) -> list[tuple[int, ...]]:
    """One tuple of indices per application: ``h q;`` on a 3-qubit register is three ``h``.

    Registers broadcast together and single indices repeat; raises :class:`QasmError` when register sizes differ.
    """
    sizes = {len(o) for o in operands if len(o) > 1}
    if len(sizes) > 1:
        raise QasmError("registers of different sizes in one statement", at.line, at.column)
    n = sizes.pop() if sizes else 1
    return [tuple(o[k] if len(o) > 1 else o[0] for o in operands) for k in range(n)]
