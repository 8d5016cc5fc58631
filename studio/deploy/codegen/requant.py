"""Per-channel requantization constants of the fast kernels (``studio_rq`` in ``studio_kernels_fast.h``).

The reference requantizes with ``RDBPOT(SRDHM(acc, m), e)`` (``e = -shift``): two roundings, a saturation
test and a 64-bit division. For ``e >= 1`` both roundings fold into one constant:

- ``SRDHM(acc, m) = floor((acc*m + 2**30) / 2**31)`` for every int32 ``acc`` and ``0 <= m < 2**31`` (the
  truncating division of the nudged product is that floor; ``m`` is never INT32_MIN, so no saturation);
- ``RDBPOT(s, e) = floor((s + 2**(e-1) - [s < 0]) / 2**e)``;
- nested floors of integer divisions compose: ``floor((floor(A/B) + c)/D) = floor((A + c*B)/(B*D))``;
- ``[s < 0]`` may be replaced by ``[acc < 0]``: they differ only when ``s == 0``, where both give 0.

So ``y = (acc*m + 2**30 + 2**(30+e) - [acc < 0] * 2**31) >> (31 + e)``: one multiply-accumulate, one
shift of the high word by ``e - 1``. Layers with a left shift or ``e = 0`` use the exact general routine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RequantTable:
    """``rows`` are ``(r, m, sh)`` per channel; ``fast`` says which formula the kernel applies."""

    fast: bool
    rows: tuple[tuple[int, int, int], ...]

    def c_array(self, name: str) -> str:
        """``static const studio_rq name[n] = {...};``."""
        items = ",\n    ".join(f"{{{r}LL, {m}, {sh}}}" for r, m, sh in self.rows)
        return f"static const studio_rq {name}[{len(self.rows)}] = {{\n    {items}\n}};\n"

    @property
    def nbytes(self) -> int:
        return 16 * len(self.rows)


def fast_requant_applies(multiplier: np.ndarray, shift: np.ndarray) -> bool:
    """True when every channel right-shifts (``shift <= -1``) or has a zero multiplier."""
    m, s = np.asarray(multiplier, np.int64).ravel(), np.asarray(shift, np.int64).ravel()
    return bool(np.all((m == 0) | (s <= -1)) and np.all((m >= 0) & (m < 2**31)))


def requant_table(multiplier: np.ndarray, shift: np.ndarray) -> RequantTable:
    """The constants of every channel: the folded form when :func:`fast_requant_applies`, else the IR's."""
    m, s = np.asarray(multiplier, np.int64).ravel(), np.asarray(shift, np.int64).ravel()
    if not fast_requant_applies(m, s):
        return RequantTable(False, tuple((0, int(mi), int(si)) for mi, si in zip(m, s, strict=True)))
    rows = []
    for mi, si in zip(m, s, strict=True):
        e = max(int(-si), 1)  # a zero multiplier gives 0 with any e >= 1
        rows.append(((1 << 30) + (1 << (30 + e)), int(mi), e - 1))
    return RequantTable(True, tuple(rows))


def fast_requantize(acc: np.ndarray, table: RequantTable) -> np.ndarray:
    """What the kernel computes, in numpy (int64): for tests of the derivation above."""
    acc = np.asarray(acc, np.int64)
    r = np.array([row[0] for row in table.rows], np.int64)
    m = np.array([row[1] for row in table.rows], np.int64)
    sh = np.array([row[2] for row in table.rows], np.int64)
    t = acc * m + r - np.where(acc < 0, np.int64(1) << 31, 0)
    return (t >> 32) >> sh
