"""Reads OpenQASM 3 (and OpenQASM 2) into a :class:`~plugins.quantum.circuit.model.Circuit`.

What it takes: ``qubit``/``bit`` declarations (and QASM 2's ``qreg``/``creg``), ``input float[64] name;`` for
trainable symbols, ``const`` numbers, every gate of the library (``stdgates.inc``/``qelib1.inc`` names, ``U``,
``CX``, ``u3``, ``cu3`` ...), user ``gate`` definitions (expanded where they are used; a definition of a name the
library already has, as qiskit writes for ``sxdg`` or ``ecr``, is read but the library's exact matrix is used),
register broadcast (``h q;``), hardware qubits (``$3``), both measure forms, ``barrier``. Anything else (``reset``,
``if``, loops, gate modifiers) is refused with a :class:`QasmError` naming the line, never a crash.

Layers: :mod:`~plugins.quantum.qasm.lexer` (tokens and the cursor over them), :mod:`~plugins.quantum.qasm.scope`
(declared names; angles and operands), :mod:`~plugins.quantum.qasm.gate_calls` (gate calls and user gates), and
this module: the statements, one handler per keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plugins.quantum.circuit.model import MAX_QUBITS, Circuit, CircuitError, Operation, asap_layout
from plugins.quantum.qasm.gate_calls import UNSUPPORTED, GateCallExpander, GateDefinition, read_gate_definition
from plugins.quantum.qasm.lexer import QasmError, Token, TokenCursor, split_args, tokenize
from plugins.quantum.qasm.scope import Scope

_KNOWN_INCLUDES = {"stdgates.inc", "qelib1.inc"}


@dataclass(frozen=True)
class QasmProgram:
    """What was read: the circuit (laid out as far left as it goes) and the QASM version (2 or 3)."""

    circuit: Circuit
    version: int
    symbols: tuple[str, ...]


class _Reader(TokenCursor):
    def __init__(self, text: str) -> None:
        super().__init__(tokenize(text))
        self.version = 3
        self.scope = Scope()
        self.defs: dict[str, GateDefinition] = {}
        self.ops: list[tuple[Operation, int]] = []  # with the line it came from
        self.calls = GateCallExpander(self.scope, self.defs, self.add)

    # --- program ----------------------------------------------------------------------------------------------
    def read(self) -> QasmProgram:
        if self.peek().text == "OPENQASM":
            self.take()
            tok = self.take()
            if tok.kind != "number" or tok.text.split(".")[0] not in ("2", "3"):
                raise QasmError(f"unsupported OpenQASM version {tok.text!r} (2 and 3 are)", tok.line, tok.column)
            self.version = int(tok.text.split(".")[0])
            self.expect(";", "after the version")
        handlers: dict[str, Callable[[Token], None]] = {
            "include": self.include,
            "qreg": self.qreg,
            "creg": self.creg,
            "qubit": self.qubit_decl,
            "bit": self.bit_decl,
            "input": self.input_decl,
            "const": self.const_decl,
            "gate": self.gate_def,
            "measure": self.measure,
            "barrier": self.barrier,
            "gphase": self.skip_statement,
            "OPENQASM": self.misplaced_header,
        }
        while self.peek().kind != "end":
            tok = self.peek()
            if tok.text == ";":
                self.take()
                continue
            if tok.text in UNSUPPORTED:
                raise QasmError(UNSUPPORTED[tok.text], tok.line, tok.column)
            handler = handlers.get(tok.text)
            if handler is not None:
                self.take()
                handler(tok)
            elif tok.kind == "name" and self._is_measure_assignment():
                self.measure_assignment()
            elif tok.kind == "name":
                self.calls.call(self.statement_tokens(), bindings={}, local=None, depth=0)
            else:
                raise QasmError(f"unexpected {tok.text!r}", tok.line, tok.column)
        return self.finish()

    def finish(self) -> QasmProgram:
        num_qubits = self.scope.num_qubits
        if num_qubits == 0:
            raise QasmError("the program declares no qubits (add `qubit[2] q;`)", 1, 1)
        if num_qubits > MAX_QUBITS:
            raise QasmError(f"{num_qubits} qubits; the builder takes at most {MAX_QUBITS}", 1, 1)
        ops = [op for op, _ in self.ops]
        try:
            circuit = Circuit(num_qubits, tuple(asap_layout(ops, num_qubits)), num_clbits=self.scope.num_clbits)
        except CircuitError as exc:  # pragma: no cover - layout of valid ops cannot overlap
            raise QasmError(str(exc)) from None
        return QasmProgram(circuit, self.version, tuple(self.scope.inputs))

    def add(self, op: Operation, line: int) -> None:
        self.ops.append((op, line))

    # --- declarations -------------------------------------------------------------------------------------
    def misplaced_header(self, tok: Token) -> None:
        raise QasmError("OPENQASM must be the first statement", tok.line, tok.column)

    def skip_statement(self, _tok: Token) -> None:
        self.statement_tokens()  # gphase: a global phase changes no probability

    def include(self, tok: Token) -> None:
        name = self.take()
        if name.kind != "string":
            raise QasmError("include needs a file name in quotes", name.line, name.column)
        if name.text.strip('"') not in _KNOWN_INCLUDES:
            raise QasmError(f"cannot include {name.text} (only stdgates.inc and qelib1.inc)", name.line, name.column)
        self.expect(";", "after include")

    def _register(self, quantum: bool) -> None:  # QASM 2: qreg q[3]; / creg c[3];
        name = self.expect_name("a register name")
        self.expect("[")
        size = self.size()
        self.expect("]")
        self.expect(";")
        self.scope.declare_register(name, size, True, quantum)

    def qreg(self, _tok: Token) -> None:
        self._register(quantum=True)

    def creg(self, _tok: Token) -> None:
        self._register(quantum=False)

    def _typed_decl(self, quantum: bool) -> None:  # QASM 3: qubit[3] q; / bit c;
        size, indexable = 1, False
        if self.peek().text == "[":
            self.take()
            size, indexable = self.size(), True
            self.expect("]")
        name = self.expect_name("a name")
        if self.peek().text == "=":
            self.statement_tokens()  # an initial value for a bit register: outcomes are written by measure
        else:
            self.expect(";")
        self.scope.declare_register(name, size, indexable, quantum)

    def qubit_decl(self, _tok: Token) -> None:
        self._typed_decl(quantum=True)

    def bit_decl(self, _tok: Token) -> None:
        self._typed_decl(quantum=False)

    def _optional_width(self) -> None:  # float[64]: the width does not matter to a symbol
        if self.peek().text == "[":
            self.take()
            self.size()
            self.expect("]")

    def input_decl(self, tok: Token) -> None:
        kind = self.expect_name("a type (float or angle)")
        if kind.text not in ("float", "angle"):
            raise QasmError(
                f"input of type {kind.text!r}: only float and angle inputs are symbols", kind.line, kind.column
            )
        self._optional_width()
        name = self.expect_name("a symbol name")
        self.expect(";")
        self.scope.declare_input(name)

    def const_decl(self, tok: Token) -> None:
        self.expect_name("a type")
        self._optional_width()
        name = self.expect_name("a constant name")
        self.expect("=")
        tokens = self.statement_tokens()
        value = self.scope.angle(tokens, tok, {})
        if not value.is_constant:
            raise QasmError(f"const {name.text} must not depend on an input", name.line, name.column)
        self.scope.constants[name.text] = value.const

    def gate_def(self, tok: Token) -> None:
        definition = read_gate_definition(self, tok)
        self.defs[definition.name] = definition

    # --- measurements and barriers ------------------------------------------------------------------------
    def _is_measure_assignment(self) -> bool:
        j = self.i
        while self.tokens[j].text not in (";", "=") and self.tokens[j].kind != "end":
            j += 1
        return self.tokens[j].text == "=" and self.tokens[j + 1].text == "measure"

    def measure(self, tok: Token) -> None:  # measure q[0]; / measure q -> c;
        tokens = self.statement_tokens()
        arrow = next((k for k, t in enumerate(tokens) if t.text == "->"), None)
        qubit_tokens = tokens if arrow is None else tokens[:arrow]
        qubits = self.scope.operand(qubit_tokens, True, None)
        clbits: list[int | None] = [None] * len(qubits)
        if arrow is not None:
            found = self.scope.operand(tokens[arrow + 1 :], False, None)
            if len(found) != len(qubits):
                raise QasmError("measure: qubit and bit registers differ in size", tok.line, tok.column)
            clbits = list(found)
        for q, c in zip(qubits, clbits, strict=True):
            self.add(Operation("measure", (q,), clbit=c), tok.line)

    def measure_assignment(self) -> None:  # c = measure q;
        tokens = self.statement_tokens()
        eq = next(k for k, t in enumerate(tokens) if t.text == "=")
        clbits = self.scope.operand(tokens[:eq], False, None)
        qubits = self.scope.operand(tokens[eq + 2 :], True, None)
        if len(clbits) != len(qubits):
            raise QasmError("measure: bit and qubit registers differ in size", tokens[0].line, tokens[0].column)
        for q, c in zip(qubits, clbits, strict=True):
            self.add(Operation("measure", (q,), clbit=c), tokens[0].line)

    def barrier(self, tok: Token) -> None:
        tokens = self.statement_tokens()
        if not tokens:
            qubits = list(range(self.scope.num_qubits))
        else:
            qubits = [q for part in split_args(tokens) for q in self.scope.operand(part, True, None)]
        if qubits:
            self.add(Operation("barrier", tuple(dict.fromkeys(qubits))), tok.line)


def read_qasm(text: str) -> QasmProgram:
    """Read OpenQASM 3 or 2 text; raises :class:`QasmError` (with the line) for anything it cannot take."""
    return _Reader(text).read()
