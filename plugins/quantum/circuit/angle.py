"""Gate parameters: affine expressions ``const + Σ coef·symbol`` over trainable or input symbols.

Why affine and nothing more: every rotation angle a variational circuit needs (``theta``, ``2*x0``,
``theta + pi/2``), and every angle qiskit's transpiler writes when it rewrites ``ry(theta)`` into its basis, is
affine in the symbols. Affine angles let the simulator compute all angles of a circuit, for a whole batch of
inputs and weights, with one matrix product, and the gradient stays exact. ``theta*phi`` or ``sin(theta)`` are
refused with a one-line :class:`AngleError`; functions of constants (``sqrt(2)``, ``acos(0.3)``) are fine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from studio.core.errors import StudioError


class AngleError(StudioError):
    """An angle expression could not be read; ``column`` is 0-based within the expression."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Angle:
    """``const + Σ coef·symbol``; ``terms`` is sorted by symbol name and has no zero coefficients."""

    const: float = 0.0
    terms: tuple[tuple[str, float], ...] = ()

    # --- construction -------------------------------------------------------------------------------------
    @staticmethod
    def of(value: float | str | Angle) -> Angle:
        """An angle from a number, an expression (``"pi/2"``, ``"2*theta+0.1"``) or an angle."""
        if isinstance(value, Angle):
            return value
        if isinstance(value, str):
            return parse_angle(value)
        return Angle(float(value))

    @staticmethod
    def symbol(name: str, coef: float = 1.0) -> Angle:
        """``coef * name``."""
        return Angle(0.0, ((name, float(coef)),))

    @staticmethod
    def _make(const: float, terms: Mapping[str, float]) -> Angle:
        return Angle(float(const), tuple(sorted((k, float(v)) for k, v in terms.items() if v != 0.0)))

    # --- algebra ------------------------------------------------------------------------------------------
    def __add__(self, other: Angle | float) -> Angle:
        other = Angle.of(other)
        terms = dict(self.terms)
        for name, coef in other.terms:
            terms[name] = terms.get(name, 0.0) + coef
        return Angle._make(self.const + other.const, terms)

    def __radd__(self, other: float) -> Angle:
        return self + other

    def __neg__(self) -> Angle:
        return self.scaled(-1.0)

    def __sub__(self, other: Angle | float) -> Angle:
        return self + (-Angle.of(other))

    def scaled(self, factor: float) -> Angle:
        """``factor * self``."""
        return Angle._make(self.const * factor, {k: v * factor for k, v in self.terms})

    # --- queries ------------------------------------------------------------------------------------------
    @property
    def is_constant(self) -> bool:
        return not self.terms

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.terms)

    def value(self, values: Mapping[str, float] | None = None) -> float:
        """The number for ``values`` of the symbols; raises :class:`AngleError` for a symbol without a value."""
        total = self.const
        for name, coef in self.terms:
            if values is None or name not in values:
                raise AngleError(f"symbol {name!r} has no value")
            total += coef * float(values[name])
        return total

    def substitute(self, bindings: Mapping[str, Angle]) -> Angle:
        """Replace symbols by angles (symbols not in ``bindings`` stay)."""
        result = Angle(self.const)
        for name, coef in self.terms:
            result = result + (bindings[name].scaled(coef) if name in bindings else Angle.symbol(name, coef))
        return result

    def __str__(self) -> str:
        return format_angle(self)


def _format_number(x: float) -> str:
    """``pi/2``, ``-3*pi/4``, ``0.25``: multiples of pi with small denominators print as such."""
    if x == 0:
        return "0"
    frac = Fraction(x / math.pi).limit_denominator(64)
    if frac != 0 and abs(float(frac) * math.pi - x) < 1e-12 and frac.denominator <= 64 and abs(frac.numerator) <= 64:
        num, den = frac.numerator, frac.denominator
        head = {1: "pi", -1: "-pi"}.get(num, f"{num}*pi")
        return head if den == 1 else f"{head}/{den}"
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def format_angle(angle: Angle) -> str:
    """The expression as written in QASM and in the builder (reads back to the same :class:`Angle`)."""
    parts: list[str] = []
    for name, coef in angle.terms:
        if coef == 1.0:
            parts.append(name)
        elif coef == -1.0:
            parts.append(f"-{name}")
        else:
            parts.append(f"{_format_number(coef)}*{name}")
    if angle.const != 0.0 or not parts:
        parts.append(_format_number(angle.const))
    text = parts[0]
    for part in parts[1:]:
        text += f" - {part[1:]}" if part.startswith("-") else f" + {part}"
    return text


# --- parsing -----------------------------------------------------------------------------------------------
_CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": math.tau, "τ": math.tau, "euler": math.e, "ℇ": math.e}
_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "arcsin": math.asin,
    "arccos": math.acos,
    "arctan": math.atan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "exp": math.exp,
    "ln": math.log,
    "log": math.log,
    "sqrt": math.sqrt,
}
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_πτℇ][A-Za-z0-9_]*)|(\*\*|.))")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _AngleParser:
    """Recursive descent over ``+ - * / ** ( )``, numbers, constants, symbols and constant functions."""

    def __init__(self, text: str, symbols: Callable[[str], bool] | None) -> None:
        self.text = text
        self.symbols = symbols
        self.tokens: list[tuple[str, str, int]] = []  # (kind, text, column)
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                break
            if m.group(1):
                self.tokens.append(("num", m.group(1), m.start(1)))
            elif m.group(2):
                self.tokens.append(("name", m.group(2), m.start(2)))
            elif m.group(3) and not m.group(3).isspace():
                self.tokens.append(("op", m.group(3), m.start(3)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", len(self.text))

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self) -> Angle:
        if not self.tokens:
            raise AngleError("empty angle", 0)
        result = self.sum()
        kind, text, col = self.peek()
        if kind != "end":
            raise AngleError(f"unexpected {text!r} in angle", col)
        return result

    def sum(self) -> Angle:
        left = self.product()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            right = self.product()
            left = left + right if op == "+" else left - right
        return left

    def product(self) -> Angle:
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            _, op, col = self.take()
            right = self.unary()
            if op == "*":
                if left.is_constant:
                    left = right.scaled(left.const)
                elif right.is_constant:
                    left = left.scaled(right.const)
                else:
                    raise AngleError("a product of two symbols is not an affine angle", col)
            else:
                if not right.is_constant:
                    raise AngleError("dividing by a symbol is not an affine angle", col)
                if right.const == 0:
                    raise AngleError("division by zero", col)
                left = left.scaled(1.0 / right.const)
        return left

    def unary(self) -> Angle:
        if self.peek() in (("op", "-", self.peek()[2]), ("op", "+", self.peek()[2])):
            op = self.take()[1]
            operand = self.unary()
            return -operand if op == "-" else operand
        return self.power()

    def power(self) -> Angle:
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] in ("**", "^"):
            col = self.take()[2]
            exponent = self.unary()
            if not (base.is_constant and exponent.is_constant):
                raise AngleError("a power of a symbol is not an affine angle", col)
            try:
                return Angle(float(base.const**exponent.const))
            except (OverflowError, ZeroDivisionError, TypeError) as exc:
                raise AngleError(f"cannot compute the power: {exc}", col) from None
        return base

    def atom(self) -> Angle:
        kind, text, col = self.take()
        if kind == "num":
            return Angle(float(text))
        if kind == "op" and text == "(":
            inner = self.sum()
            if self.take()[1] != ")":
                raise AngleError("missing ')' in angle", col)
            return inner
        if kind == "name":
            if text in _CONSTANTS:
                return Angle(_CONSTANTS[text])
            if text in _FUNCTIONS and self.peek()[1] == "(":
                self.take()
                arg = self.sum()
                if self.take()[1] != ")":
                    raise AngleError(f"missing ')' after {text}(", col)
                if not arg.is_constant:
                    raise AngleError(f"{text}() of a symbol is not an affine angle", col)
                try:
                    return Angle(_FUNCTIONS[text](arg.const))
                except (ValueError, OverflowError) as exc:
                    raise AngleError(f"{text}({arg.const:g}): {exc}", col) from None
            if self.symbols is not None and not self.symbols(text):
                raise AngleError(f"unknown symbol {text!r}", col)
            return Angle.symbol(text)
        if kind == "end":
            raise AngleError("angle ends too early", col)
        raise AngleError(f"unexpected {text!r} in angle", col)


def parse_angle(text: str, symbols: Callable[[str], bool] | None = None) -> Angle:
    """Read an angle expression; ``symbols(name)`` (optional) says whether an identifier may be a symbol.

    Raises :class:`AngleError` (with the 0-based column) for bad syntax, unknown symbols or a non-affine angle.
    """
    return _AngleParser(text, symbols).parse()
