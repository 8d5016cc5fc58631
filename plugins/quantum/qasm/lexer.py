"""Tokens of OpenQASM 2 and 3 with their line and column, so every error points at the text the user typed.

:func:`tokenize` makes them; :class:`TokenCursor` walks them for the statement readers.
"""

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


class TokenCursor:
    """A position in a token list, with the ``expect`` helpers every statement reader uses.

    Reading past the end keeps returning the ``end`` token, so a truncated file gives an error, not an IndexError.
    """

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def expect(self, text: str, what: str = "") -> Token:
        """Take the next token; raises :class:`QasmError` unless it is ``text``."""
        tok = self.take()
        if tok.text != text:
            found = repr(tok.text) if tok.kind != "end" else "the end of the file"
            raise QasmError(f"expected {text!r}{' ' + what if what else ''}, found {found}", tok.line, tok.column)
        return tok

    def expect_name(self, what: str) -> Token:
        """Take the next token; raises :class:`QasmError` unless it is a name."""
        tok = self.take()
        if tok.kind != "name":
            raise QasmError(f"expected {what}, found {tok.text!r}", tok.line, tok.column)
        return tok

    def size(self) -> int:
        """Take a register size (a plain integer); raises :class:`QasmError` for anything else."""
        tok = self.take()
        if tok.kind != "number" or not tok.text.isdigit():
            raise QasmError(f"expected a register size, found {tok.text!r}", tok.line, tok.column)
        return int(tok.text)

    def statement_tokens(self) -> list[Token]:
        """Tokens up to (and consuming) the next ';'; raises :class:`QasmError` when the file ends first."""
        out: list[Token] = []
        while self.peek().text != ";":
            if self.peek().kind == "end":
                last = out[-1] if out else self.peek()
                raise QasmError("missing ';' at the end of the statement", last.line, last.column + len(last.text))
            out.append(self.take())
        self.take()
        return out


def split_args(tokens: list[Token]) -> list[list[Token]]:
    """``a, f(b, c), q[1]`` -> the tokens of each top-level comma-separated part."""
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
