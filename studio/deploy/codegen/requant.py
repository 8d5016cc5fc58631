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

Two more exact simplifications, decided per layer:

- when ``act_min >= zp_out`` (a fused ReLU), the ``[acc < 0]`` term may be dropped: for ``acc < 0`` both
  forms give ``y <= 0``, so ``y + zp_out`` clamps to ``act_min`` either way (mode 2);
- ``zp_out`` joins the constant (``r + zp_out * 2**(31+e)`` adds a multiple of the divisor) when that stays
  far inside int64 (``e <= 23``), saving an add per output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RequantTable:
    """``rows`` are ``(r, m, sh)`` per channel. ``mode``: 0 the exact routine (``sh`` is the IR's shift), 1 the
    folded form, 2 the folded form without the sign term. ``zp_folded``: the output zero point is in ``r``
    (the kernel then adds 0)."""

    mode: int
    rows: tuple[tuple[int, int, int], ...]
    zp_folded: bool = False

    @property
    def fast(self) -> bool:
        return self.mode > 0

    def c_array(self, name: str) -> str:
        """``static const studio_rq name[n] = {...};``."""
        items = ",\n    ".join(f"{{{r}LL, {m}, {sh}}}" for r, m, sh in self.rows)
        return f"static const studio_rq {name}[{len(self.rows)}] = {{\n    {items}\n}};\n"

    def kernel_zp(self, zp: int) -> int:
        """The zero point the kernel adds after requantizing."""
        return 0 if self.zp_folded else zp

    @property
    def nbytes(self) -> int:
        return 16 * len(self.rows)


def fast_requant_applies(multiplier: np.ndarray, shift: np.ndarray) -> bool:
    """True when every channel right-shifts (``shift <= -1``) or has a zero multiplier."""
    m, s = np.asarray(multiplier, np.int64).ravel(), np.asarray(shift, np.int64).ravel()
    return bool(np.all((m == 0) | (s <= -1)) and np.all((m >= 0) & (m < 2**31)))


def requant_table(
    multiplier: np.ndarray, shift: np.ndarray, zp: int = 0, act_min: int = -128, *, fold: bool = True
) -> RequantTable:
    """The constants of every channel: the folded form when :func:`fast_requant_applies`, else the IR's.

    ``zp`` and ``act_min`` are the output zero point and clamp (they decide mode 2 and the zero point fold);
    ``fold=False`` keeps both simplifications off (the sign term is then always applied).
    """
    m, s = np.asarray(multiplier, np.int64).ravel(), np.asarray(shift, np.int64).ravel()
    if not fast_requant_applies(m, s):
        return RequantTable(0, tuple((0, int(mi), int(si)) for mi, si in zip(m, s, strict=True)))
    exps = [max(int(-si), 1) for si in s]  # a zero multiplier gives 0 with any e >= 1
    zp_folded = fold and zp != 0 and max(exps) <= 23
    rows = []
    for mi, e in zip(m, exps, strict=True):
        r = (1 << 30) + (1 << (30 + e)) + (zp << (31 + e) if zp_folded else 0)
        rows.append((r, int(mi), e - 1))
    mode = 2 if fold and act_min >= zp else 1
    return RequantTable(mode, tuple(rows), zp_folded)


def fast_requantize(acc: np.ndarray, table: RequantTable, zp: int = 0) -> np.ndarray:
    """What the kernel computes before the clamp, in numpy (int64): ``y + zp`` (tests of the derivation)."""
    acc = np.asarray(acc, np.int64)
    r = np.array([row[0] for row in table.rows], np.int64)
    m = np.array([row[1] for row in table.rows], np.int64)
    sh = np.array([row[2] for row in table.rows], np.int64)
    sign = np.where(acc < 0, np.int64(1) << 31, 0) if table.mode == 1 else 0
    return ((acc * m + r - sign) >> 32 >> sh) + table.kernel_zp(zp)
