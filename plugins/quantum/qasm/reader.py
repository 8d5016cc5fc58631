"""Reads OpenQASM 3 (and OpenQASM 2) into a :class:`~plugins.quantum.circuit.model.Circuit`.

What it takes: ``qubit``/``bit`` declarations (and QASM 2's ``qreg``/``creg``), ``input float[64] name;`` for
trainable symbols, ``const`` numbers, every gate of the library (``stdgates.inc``/``qelib1.inc`` names, ``U``,
``CX``, ``u3``, ``cu3`` ...), user ``gate`` definitions (expanded where they are used; a definition of a name the
library already has, as qiskit writes for ``sxdg`` or ``ecr``, is read but the library's exact matrix is used),
register broadcast (``h q;``), hardware qubits (``$3``), both measure forms, ``barrier``. Anything else (``reset``,
``if``, loops, gate modifiers) is refused with a :class:`QasmError` naming the line, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plugins.quantum.circuit.angle import Angle, AngleError, parse_angle
from plugins.quantum.circuit.gates import gate, is_gate
from plugins.quantum.circuit.model import MAX_QUBITS, Circuit, CircuitError, Operation, asap_layout
from plugins.quantum.qasm.lexer import QasmError, Token, tokenize

_KNOWN_INCLUDES = {"stdgates.inc", "qelib1.inc"}
_UNSUPPORTED = {
    "reset": "reset is not supported",
    "if": "classical control (if) is not supported",
    "while": "loops are not supported",
    "for": "loops are not supported",
    "opaque": "opaque gates have no definition to simulate",
    "def": "subroutines (def) are not supported",
    "box": "box is not supported",
    "delay": "delay is not supported",
    "ctrl": "gate modifiers (ctrl @) are not supported",
    "negctrl": "gate modifiers (negctrl @) are not supported",
    "inv": "gate modifiers (inv @) are not supported",
    "pow": "gate modifiers (pow @) are not supported",
    "defcal": "calibrations (defcal) are not supported",
    "cal": "calibrations (cal) are not supported",
    "extern": "extern is not supported",
}
_MAX_EXPANSION_DEPTH = 32


@dataclass(frozen=True)
class _GateDef:
    name: str
    params: tuple[str, ...]
    qubits: tuple[str, ...]
    body: tuple[Token, ...]
    line: int


@dataclass(frozen=True)
class QasmProgram:
    """What was read: the circuit (laid out as far left as it goes) and the QASM version (2 or 3)."""

    circuit: Circuit
    version: int
    symbols: tuple[str, ...]


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.version = 3
        self.qregs: dict[str, tuple[int, int, bool]] = {}  # name -> (offset, size, indexable)
        self.cregs: dict[str, tuple[int, int, bool]] = {}
        self.num_qubits = 0
        self.num_clbits = 0
        self.hw_qubits = False
        self.inputs: list[str] = []
        self.constants: dict[str, float] = {}
        self.defs: dict[str, _GateDef] = {}
        self.ops: list[tuple[Operation, int]] = []  # with the line it came from

    # --- token cursor ---------------------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def expect(self, text: str, what: str = "") -> Token:
        tok = self.take()
        if tok.text != text:
            found = repr(tok.text) if tok.kind != "end" else "the end of the file"
            raise QasmError(f"expected {text!r}{' ' + what if what else ''}, found {found}", tok.line, tok.column)
        return tok

    def expect_name(self, what: str) -> Token:
        tok = self.take()
        if tok.kind != "name":
            raise QasmError(f"expected {what}, found {tok.text!r}", tok.line, tok.column)
        return tok

    def statement_tokens(self) -> list[Token]:
        """Tokens up to (and consuming) the next ';'."""
        out: list[Token] = []
        while self.peek().text != ";":
            if self.peek().kind == "end":
                last = out[-1] if out else self.peek()
                raise QasmError("missing ';' at the end of the statement", last.line, last.column + len(last.text))
            out.append(self.take())
        self.take()
        return out

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
            if tok.text in _UNSUPPORTED:
                raise QasmError(_UNSUPPORTED[tok.text], tok.line, tok.column)
            handler = handlers.get(tok.text)
            if handler is not None:
                self.take()
                handler(tok)
            elif tok.kind == "name" and self._is_measure_assignment():
                self.measure_assignment()
            elif tok.kind == "name":
                self.gate_call_statement()
            else:
                raise QasmError(f"unexpected {tok.text!r}", tok.line, tok.column)
        return self.finish()

    def finish(self) -> QasmProgram:
        if self.num_qubits == 0:
            raise QasmError("the program declares no qubits (add `qubit[2] q;`)", 1, 1)
        if self.num_qubits > MAX_QUBITS:
            raise QasmError(f"{self.num_qubits} qubits; the builder takes at most {MAX_QUBITS}", 1, 1)
        ops = [op for op, _ in self.ops]
        try:
            circuit = Circuit(self.num_qubits, tuple(asap_layout(ops, self.num_qubits)), num_clbits=self.num_clbits)
        except CircuitError as exc:  # pragma: no cover - layout of valid ops cannot overlap
            raise QasmError(str(exc)) from None
        return QasmProgram(circuit, self.version, tuple(self.inputs))

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

    def _declare(self, regs: dict, name: Token, size: int, indexable: bool, quantum: bool) -> None:
        if name.text in self.qregs or name.text in self.cregs or name.text in self.inputs:
            raise QasmError(f"{name.text!r} is already declared", name.line, name.column)
        if size < 1:
            raise QasmError("a register needs at least one bit", name.line, name.column)
        if quantum:
            regs[name.text] = (self.num_qubits, size, indexable)
            self.num_qubits += size
            if self.num_qubits > MAX_QUBITS:
                raise QasmError(f"more than {MAX_QUBITS} qubits", name.line, name.column)
        else:
            regs[name.text] = (self.num_clbits, size, indexable)
            self.num_clbits += size

    def _size(self) -> int:
        tok = self.take()
        if tok.kind != "number" or not tok.text.isdigit():
            raise QasmError(f"expected a register size, found {tok.text!r}", tok.line, tok.column)
        return int(tok.text)

    def qreg(self, _tok: Token) -> None:
        name = self.expect_name("a register name")
        self.expect("[")
        size = self._size()
        self.expect("]")
        self.expect(";")
        self._declare(self.qregs, name, size, True, True)

    def creg(self, _tok: Token) -> None:
        name = self.expect_name("a register name")
        self.expect("[")
        size = self._size()
        self.expect("]")
        self.expect(";")
        self._declare(self.cregs, name, size, True, False)

    def _typed_decl(self, regs: dict, quantum: bool) -> None:
        size, indexable = 1, False
        if self.peek().text == "[":
            self.take()
            size, indexable = self._size(), True
            self.expect("]")
        name = self.expect_name("a name")
        if self.peek().text == "=":
            self.statement_tokens()  # an initial value for a bit register: outcomes are written by measure
        else:
            self.expect(";")
        self._declare(regs, name, size, indexable, quantum)

    def qubit_decl(self, _tok: Token) -> None:
        self._typed_decl(self.qregs, True)

    def bit_decl(self, _tok: Token) -> None:
        self._typed_decl(self.cregs, False)

    def input_decl(self, tok: Token) -> None:
        kind = self.expect_name("a type (float or angle)")
        if kind.text not in ("float", "angle"):
            raise QasmError(
                f"input of type {kind.text!r}: only float and angle inputs are symbols", kind.line, kind.column
            )
        if self.peek().text == "[":
            self.take()
            self._size()
            self.expect("]")
        name = self.expect_name("a symbol name")
        self.expect(";")
        if name.text in self.inputs or name.text in self.constants:
            raise QasmError(f"{name.text!r} is already declared", name.line, name.column)
        self.inputs.append(name.text)

    def const_decl(self, tok: Token) -> None:
        kind = self.expect_name("a type")
        if self.peek().text == "[":
            self.take()
            self._size()
            self.expect("]")
        name = self.expect_name("a constant name")
        self.expect("=")
        tokens = self.statement_tokens()
        value = self.angle(tokens, tok, {})
        if not value.is_constant:
            raise QasmError(f"const {name.text} must not depend on an input", name.line, name.column)
        self.constants[name.text] = value.const
        del kind

    def gate_def(self, tok: Token) -> None:
        name = self.expect_name("a gate name")
        params: list[str] = []
        if self.peek().text == "(":
            self.take()
            while self.peek().text != ")":
                params.append(self.expect_name("a parameter name").text)
                if self.peek().text == ",":
                    self.take()
            self.take()
        qubits: list[str] = []
        while self.peek().text != "{":
            qubits.append(self.expect_name("a qubit name").text)
            if self.peek().text == ",":
                self.take()
        self.take()
        body: list[Token] = []
        depth = 1
        while True:
            t = self.take()
            if t.kind == "end":
                raise QasmError(f"gate {name.text} is never closed with '}}'", tok.line, tok.column)
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
                if depth == 0:
                    break
            body.append(t)
        if not qubits:
            raise QasmError(f"gate {name.text} has no qubits", name.line, name.column)
        self.defs[name.text] = _GateDef(name.text, tuple(params), tuple(qubits), tuple(body), tok.line)

    # --- angles and operands ------------------------------------------------------------------------------
    def angle(self, tokens: list[Token], at: Token, bindings: dict[str, Angle]) -> Angle:
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

    def split_args(self, tokens: list[Token]) -> list[list[Token]]:
        parts: list[list[Token]] = [[]]
        depth = 0
        for t in tokens:
            if t.text in "([":
                depth += 1
            elif t.text in ")]":
                depth -= 1
            if t.text == "," and depth == 0:
                parts.append([])
            else:
                parts[-1].append(t)
        return parts

    def operand(self, tokens: list[Token], regs: dict, quantum: bool, local: dict[str, int] | None) -> list[int]:
        """Indices an operand stands for: one (``q[2]``, ``$1``, a gate argument) or a whole register."""
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

    def broadcast(self, operands: list[list[int]], at: Token) -> list[tuple[int, ...]]:
        sizes = {len(o) for o in operands if len(o) > 1}
        if len(sizes) > 1:
            raise QasmError("registers of different sizes in one statement", at.line, at.column)
        n = sizes.pop() if sizes else 1
        return [tuple(o[k] if len(o) > 1 else o[0] for o in operands) for k in range(n)]

    # --- statements ---------------------------------------------------------------------------------------
    def add(self, op: Operation, line: int) -> None:
        self.ops.append((op, line))

    def _is_measure_assignment(self) -> bool:
        j = self.i
        while self.tokens[j].text not in (";", "=") and self.tokens[j].kind != "end":
            j += 1
        return self.tokens[j].text == "=" and self.tokens[j + 1].text == "measure"

    def measure(self, tok: Token) -> None:
        tokens = self.statement_tokens()
        arrow = next((k for k, t in enumerate(tokens) if t.text == "->"), None)
        qubit_tokens = tokens if arrow is None else tokens[:arrow]
        qubits = self.operand(qubit_tokens, self.qregs, True, None)
        clbits: list[int | None] = [None] * len(qubits)
        if arrow is not None:
            found = self.operand(tokens[arrow + 1 :], self.cregs, False, None)
            if len(found) != len(qubits):
                raise QasmError("measure: qubit and bit registers differ in size", tok.line, tok.column)
            clbits = list(found)
        for q, c in zip(qubits, clbits, strict=True):
            self.add(Operation("measure", (q,), clbit=c), tok.line)

    def measure_assignment(self) -> None:
        tokens = self.statement_tokens()
        eq = next(k for k, t in enumerate(tokens) if t.text == "=")
        clbits = self.operand(tokens[:eq], self.cregs, False, None)
        qubits = self.operand(tokens[eq + 2 :], self.qregs, True, None)
        if len(clbits) != len(qubits):
            raise QasmError("measure: bit and qubit registers differ in size", tokens[0].line, tokens[0].column)
        for q, c in zip(qubits, clbits, strict=True):
            self.add(Operation("measure", (q,), clbit=c), tokens[0].line)

    def barrier(self, tok: Token) -> None:
        tokens = self.statement_tokens()
        if not tokens:
            qubits = list(range(self.num_qubits))
        else:
            qubits = [q for part in self.split_args(tokens) for q in self.operand(part, self.qregs, True, None)]
        if qubits:
            self.add(Operation("barrier", tuple(dict.fromkeys(qubits))), tok.line)

    def gate_call_statement(self) -> None:
        tokens = self.statement_tokens()
        self.gate_call(tokens, bindings={}, local=None, depth=0)

    def gate_call(
        self, tokens: list[Token], bindings: dict[str, Angle], local: dict[str, int] | None, depth: int
    ) -> None:
        head = tokens[0]
        if head.text in _UNSUPPORTED:
            raise QasmError(_UNSUPPORTED[head.text], head.line, head.column)
        if depth > _MAX_EXPANSION_DEPTH:
            raise QasmError(f"gate {head.text} expands too deeply", head.line, head.column)
        k = 1
        params: list[Angle] = []
        if k < len(tokens) and tokens[k].text == "(":
            depth_p, end = 0, k
            for end in range(k, len(tokens)):
                depth_p += {"(": 1, ")": -1}.get(tokens[end].text, 0)
                if depth_p == 0:
                    break
            if depth_p != 0:
                raise QasmError("missing ')' after the parameters", head.line, head.column)
            inner = tokens[k + 1 : end]
            params = [self.angle(part, head, bindings) for part in self.split_args(inner)] if inner else []
            k = end + 1
        if k < len(tokens) and tokens[k].text == "@":
            raise QasmError("gate modifiers are not supported", tokens[k].line, tokens[k].column)
        arg_tokens = tokens[k:]
        if not arg_tokens:
            raise QasmError(f"{head.text} needs qubits", head.line, head.column)
        operands = [self.operand(part, self.qregs, True, local) for part in self.split_args(arg_tokens)]
        for qubits in self.broadcast(operands, head):
            self.apply(head, params, qubits, bindings, depth)

    def apply(self, head: Token, params: list[Angle], qubits: tuple[int, ...], bindings: dict, depth: int) -> None:
        name = head.text
        if name == "U":
            name = "u"
        elif name == "CX":
            name = "cx"
        elif name == "cu3":
            name, params = "cu", [*params, Angle(0.0)]
        elif name == "u0":
            name, params = "id", []
        if is_gate(name) and gate(name).is_unitary:
            spec = gate(name)
            if len(params) != spec.num_params:
                raise QasmError(
                    f"{name} takes {spec.num_params} parameter(s), got {len(params)}", head.line, head.column
                )
            if len(qubits) != spec.num_qubits:
                raise QasmError(f"{name} takes {spec.num_qubits} qubit(s), got {len(qubits)}", head.line, head.column)
            try:
                self.add(Operation(spec.name, qubits, tuple(params)), head.line)
            except CircuitError as exc:
                raise QasmError(str(exc), head.line, head.column) from None
            return
        definition = self.defs.get(name)
        if definition is None:
            raise QasmError(f"unknown gate {name!r}", head.line, head.column)
        if len(params) != len(definition.params) or len(qubits) != len(definition.qubits):
            raise QasmError(
                f"{name} takes {len(definition.params)} parameter(s) and {len(definition.qubits)} qubit(s)",
                head.line,
                head.column,
            )
        local = dict(zip(definition.qubits, qubits, strict=True))
        inner_bindings = dict(zip(definition.params, params, strict=True))
        body = list(definition.body)
        start = 0
        for j, t in enumerate(body):
            if t.text == ";":
                statement = body[start:j]
                start = j + 1
                if not statement:
                    continue
                if statement[0].text == "gphase":
                    continue
                if statement[0].text == "barrier":
                    continue
                try:
                    self.gate_call(statement, inner_bindings, local, depth + 1)
                except QasmError as exc:
                    raise QasmError(
                        f"in gate {name} (defined on line {definition.line}): {exc.message}", head.line, head.column
                    ) from None
        if body[start:]:
            raise QasmError(f"missing ';' in the body of gate {name}", definition.line, 1)


def read_qasm(text: str) -> QasmProgram:
    """Read OpenQASM 3 or 2 text; raises :class:`QasmError` (with the line) for anything it cannot take."""
    return _Reader(text).read()
