"""Numbers and arrays as C source text."""

from __future__ import annotations

import re

import numpy as np

_C_TYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.int32): "int32_t", np.dtype(np.uint32): "uint32_t"}


def c_identifier(name: str) -> str:
    """A valid C identifier made from a layer or tensor name (``features.0/conv`` -> ``features_0_conv``)."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return ident if ident and not ident[0].isdigit() else f"t_{ident}"


def c_int(value: int) -> str:
    """An int32 literal (INT32_MIN written as an expression, since ``-2147483648`` is not an int in C)."""
    value = int(value)
    return "(-2147483647 - 1)" if value == -(2**31) else str(value)


def c_array(name: str, values: np.ndarray, per_line: int = 24) -> str:
    """``static const <type> name[n] = {...};`` for an int8/int32/uint32 array (kept in flash)."""
    flat = np.asarray(values).ravel()
    ctype = _C_TYPES[flat.dtype]
    items = [c_int(v) for v in flat.tolist()] or ["0"]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    body = ",\n    ".join(lines)
    return f"static const {ctype} {name}[{max(len(flat), 1)}] = {{\n    {body}\n}};\n"
