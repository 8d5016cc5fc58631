"""Tokens of OpenQASM 2 and 3 with their line and column, so every error points at the text the user typed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.errors import StudioError


class QasmError(StudioError):
    """QASM that cannot be read; ``line`` and ``column`` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string", "hwqubit", "op", "end"
    text: str
    line: int
    column: int


_PATTERNS = [
    ("ws", r"[ \t\r\f\v]+"),
    ("newline", r"\n"),
    ("line_comment", r"//[^\n]*"),
    ("block_comment", r"/\*.*?\*/"),
    ("number", r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?:im)?"),
    ("string", r'"[^"\n]*"'),
    ("hwqubit", r"\$\d+"),
    ("name", r"[A-Za-z_πτℇ][A-Za-z0-9_]*"),
    ("op", r"->|\*\*|==|[{}()\[\];,=+\-*/^@:<>!&|~]"),
]
_MASTER = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PATTERNS), re.DOTALL)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (comments dropped); raises :class:`QasmError` at the first stray character."""
    tokens: list[Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        m = _MASTER.match(text, pos)
        if m is None:
            if text.startswith("/*", pos):
                raise QasmError("comment /* is never closed", line, pos - line_start + 1)
            raise QasmError(f"unexpected character {text[pos]!r}", line, pos - line_start + 1)
        kind = m.lastgroup or ""
        chunk = m.group()
        if kind in ("name", "number", "string", "hwqubit", "op"):
            tokens.append(Token(kind, chunk, line, pos - line_start + 1))
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = pos + chunk.rfind("\n") + 1
        pos = m.end()
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens
