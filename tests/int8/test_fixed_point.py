"""The fixed-point primitives against values worked out by hand (ties, negatives, saturation)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.int8.fixed_point import (
    INT32_MAX,
    INT32_MIN,
    multiply_by_quantized_multiplier,
    quantize_multiplier,
    round_half_away,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
)


def test_srdhm_rounds_ties_toward_plus_infinity() -> None:
    # 2^30 * 2^30 * 2 / 2^32 = 2^29 exactly
    assert saturating_rounding_doubling_high_mul(2**30, 2**30) == 2**29
    # 3 * 2^30 / 2^31 = 1.5 -> 2 ; -3 * 2^30 / 2^31 = -1.5 -> -1 (gemmlowp's nudge of 1 - 2^30)
    assert saturating_rounding_doubling_high_mul(3, 2**30) == 2
    assert saturating_rounding_doubling_high_mul(-3, 2**30) == -1
    # -5 * 2^30 / 2^31 = -2.5 -> -2 ; 5 -> 3
    assert saturating_rounding_doubling_high_mul(np.array([5, -5]), 2**30).tolist() == [3, -2]


def test_srdhm_saturates_its_single_overflow_case() -> None:
    assert saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX
    # INT32_MIN * INT32_MAX is representable: -(2^31 - 1) after rounding
    assert saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MAX) == -(2**31 - 1)


@pytest.mark.parametrize(
    ("x", "exponent", "expected"),
    [
        (5, 1, 3),  # 2.5 -> 3 (away from zero)
        (-5, 1, -3),  # -2.5 -> -3 (away from zero)
        (-6, 2, -2),  # -1.5 -> -2
        (-7, 2, -2),  # -1.75 -> -2
        (-5, 2, -1),  # -1.25 -> -1
        (6, 2, 2),  # 1.5 -> 2
        (123, 0, 123),
        (INT32_MAX, 31, 1),  # 0.99999... -> 1
        (INT32_MIN, 31, -1),  # -1 exactly
    ],
)
def test_rounding_divide_by_pot(x: int, exponent: int, expected: int) -> None:
    assert rounding_divide_by_pot(x, exponent) == expected


def test_rounding_divide_by_pot_rejects_bad_exponents() -> None:
    with pytest.raises(ValueError):
        rounding_divide_by_pot(1, 32)


def test_multiply_by_quantized_multiplier_two_rounding_stages() -> None:
    m, shift = quantize_multiplier(0.3)
    assert (m, shift) == (1288490189, -1)  # frexp(0.3) = 0.6 * 2^-1; round(0.6 * 2^31)
    assert multiply_by_quantized_multiplier(100, m, shift) == 30
    assert multiply_by_quantized_multiplier(-100, m, shift) == -30
    # real 0.5 = 2^30 * 2^(0 - 31): the tie is rounded by SRDHM, toward +inf
    assert multiply_by_quantized_multiplier(np.array([5, -5]), 2**30, 0).tolist() == [3, -2]
    # real 0.25 = 2^30 * 2^(-1 - 31): -6 * 0.25 = -1.5; SRDHM gives -3 exactly, RDBPOT rounds away -> -2
    assert multiply_by_quantized_multiplier(-6, 2**30, -1) == -2
    assert multiply_by_quantized_multiplier(6, 2**30, -1) == 2


def test_multiply_by_quantized_multiplier_left_shift_saturates() -> None:
    # 2^30 << 2 = 2^32 saturates to INT32_MAX, then * 0.5: 1073741823.5 -> 1073741824
    assert multiply_by_quantized_multiplier(2**30, 2**30, 2) == 1073741824
    assert multiply_by_quantized_multiplier(-(2**30), 2**30, 2) == -(2**30)
    # an ordinary left shift: 3 * 0.75 * 2^2 = 9
    m, shift = quantize_multiplier(3.0)
    assert (m, shift) == (3 * 2**29, 2)
    assert multiply_by_quantized_multiplier(3, m, shift) == 9


@pytest.mark.parametrize("real", [1e-6, 0.001, 0.3, 0.5, 0.7071, 0.999999999, 1.0, 1.5, 100.0])
def test_quantize_multiplier_is_accurate_and_normalised(real: float) -> None:
    m, shift = quantize_multiplier(real)
    assert 2**30 <= m < 2**31
    assert m * 2.0 ** (shift - 31) == pytest.approx(real, rel=1e-9)


def test_quantize_multiplier_edges() -> None:
    assert quantize_multiplier(0.0) == (0, 0)
    assert quantize_multiplier(1e-30) == (0, 0)  # below shift -31: no multiplier can express it
    # q * 2^31 rounding up to 2^31 renormalises
    assert quantize_multiplier(1.0 - 2.0**-40) == (2**30, 1)
    with pytest.raises(ValueError):
        quantize_multiplier(-1.0)
    with pytest.raises(ValueError):
        quantize_multiplier(2.0**40)


def test_round_half_away() -> None:
    assert round_half_away(np.array([0.5, 1.5, -0.5, -1.5, 2.4])).tolist() == [1, 2, -1, -2, 2]
