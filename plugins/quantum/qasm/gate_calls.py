"""Gate calls: library gates become operations, user ``gate`` definitions are expanded where they are used.

A definition of a name the library already has (qiskit writes ones for ``sxdg`` or ``ecr``) is read but the
library's exact matrix is used. Errors inside an expanded body name the call's line and the definition's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plugins.quantum.circuit.angle import Angle
from plugins.quantum.circuit.gates import gate, is_gate
from plugins.quantum.circuit.model import CircuitError, Operation
from plugins.quantum.qasm.lexer import QasmError, Token, TokenCursor, split_args
from plugins.quantum.qasm.scope import Scope, broadcast

#: Statements (and gate-call words) the reader refuses, with the message it gives.
UNSUPPORTED = {
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
MAX_EXPANSION_DEPTH = 32


@dataclass(frozen=True)
class GateDefinition:
    """A user ``gate``: its parameter and qubit argument names and the body's tokens."""

    name: str
    params: tuple[str, ...]
    qubits: tuple[str, ...]
    body: tuple[Token, ...]
    line: int


def read_gate_definition(cursor: TokenCursor, keyword: Token) -> GateDefinition:
    """Read ``name(params) qubits { body }`` after the ``gate`` keyword; raises :class:`QasmError` for a body
    that is never closed or a gate without qubits."""
    name = cursor.expect_name("a gate name")
    params: list[str] = []
    if cursor.peek().text == "(":
        cursor.take()
        while cursor.peek().text != ")":
            params.append(cursor.expect_name("a parameter name").text)
            if cursor.peek().text == ",":
                cursor.take()
        cursor.take()
    qubits: list[str] = []
    while cursor.peek().text != "{":
        qubits.append(cursor.expect_name("a qubit name").text)
        if cursor.peek().text == ",":
            cursor.take()
    cursor.take()
    body: list[Token] = []
    depth = 1
    while True:
        t = cursor.take()
        if t.kind == "end":
            raise QasmError(f"gate {name.text} is never closed with '}}'", keyword.line, keyword.column)
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
            if depth == 0:
                break
        body.append(t)
    if not qubits:
        raise QasmError(f"gate {name.text} has no qubits", name.line, name.column)
    return GateDefinition(name.text, tuple(params), tuple(qubits), tuple(body), keyword.line)


class GateCallExpander:
    """Turns the tokens of a gate call into operations passed to ``emit(operation, line)``."""

    def __init__(self, scope: Scope, defs: dict[str, GateDefinition], emit: Callable[[Operation, int], None]) -> None:
        self.scope = scope
        self.defs = defs
        self.emit = emit

    def call(self, tokens: list[Token], bindings: dict[str, Angle], local: dict[str, int] | None, depth: int) -> None:
        """``name(params) operands`` with register broadcast; ``bindings``/``local`` hold an enclosing gate's
        parameters and qubit arguments. Raises :class:`QasmError` for anything it cannot take."""
        head = tokens[0]
        if head.text in UNSUPPORTED:
            raise QasmError(UNSUPPORTED[head.text], head.line, head.column)
        if depth > MAX_EXPANSION_DEPTH:
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
            params = [self.scope.angle(part, head, bindings) for part in split_args(inner)] if inner else []
            k = end + 1
        if k < len(tokens) and tokens[k].text == "@":
            raise QasmError("gate modifiers are not supported", tokens[k].line, tokens[k].column)
        arg_tokens = tokens[k:]
        if not arg_tokens:
            raise QasmError(f"{head.text} needs qubits", head.line, head.column)
        operands = [self.scope.operand(part, True, local) for part in split_args(arg_tokens)]
        for qubits in broadcast(operands, head):
            self.apply(head, params, qubits, depth)

    def apply(self, head: Token, params: list[Angle], qubits: tuple[int, ...], depth: int) -> None:
        """One application of gate ``head`` on ``qubits``: a library operation, or a user gate's body."""
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
                self.emit(Operation(spec.name, qubits, tuple(params)), head.line)
            except CircuitError as exc:
                raise QasmError(str(exc), head.line, head.column) from None
            return
        definition = self.defs.get(name)
        if definition is None:
            raise QasmError(f"unknown gate {name!r}", head.line, head.column)
        self._expand(head, definition, params, qubits, depth)

    def _expand(
        self, head: Token, definition: GateDefinition, params: list[Angle], qubits: tuple[int, ...], depth: int
    ) -> None:
        name = definition.name
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
                # Empty statements, a global phase and barriers inside a gate change no probability.
                if not statement or statement[0].text in ("gphase", "barrier"):
                    continue
                try:
                    self.call(statement, inner_bindings, local, depth + 1)
                except QasmError as exc:
                    raise QasmError(
                        f"in gate {name} (defined on line {definition.line}): {exc.message}", head.line, head.column
                    ) from None
        if body[start:]:
            raise QasmError(f"missing ';' in the body of gate {name}", definition.line, 1)
