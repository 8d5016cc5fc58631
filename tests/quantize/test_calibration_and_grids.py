"""Grids, fake quantization with the straight-through estimator, and the four calibration methods."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.optimize.quantize.calibration import TensorStats, estimate_range
from studio.optimize.quantize.qparams import (
    QuantConfigError,
    affine_from_range,
    code_range,
    fake_quant,
    fake_quant_np,
    weight_qparams,
)


def _stats(values: np.ndarray) -> TensorStats:
    s = TensorStats()
    s.update(values, np.random.default_rng(0), per_batch=values.size)
    return s


def test_grid_represents_zero_exactly_and_covers_the_range() -> None:
    q = affine_from_range(-0.3, 1.7, bits=8, symmetric=False)
    assert q.scale == pytest.approx(2.0 / 255)
    zero = fake_quant_np(np.array([0.0]), q.scale, q.zero_point, q.qmin, q.qmax)
    assert zero[0] == 0.0
    ends = fake_quant_np(np.array([-0.3, 1.7]), q.scale, q.zero_point, q.qmin, q.qmax)
    np.testing.assert_allclose(ends, [-0.3, 1.7], atol=q.scale / 2)
    # a ReLU range puts the zero point at the lowest code
    relu = affine_from_range(0.0, 6.0, 8, symmetric=False)
    assert int(relu.zero_point) == -128
    assert code_range(4, symmetric=True) == (-7, 7) and code_range(4, symmetric=False) == (-8, 7)


def test_per_channel_weight_grids_follow_each_channel() -> None:
    w = np.stack([np.linspace(-1, 1, 9), np.linspace(-0.01, 0.01, 9)]).reshape(2, 1, 3, 3)
    per_channel = weight_qparams(w, 8, per_channel=True)
    per_tensor = weight_qparams(w, 8, per_channel=False)
    np.testing.assert_allclose(per_channel.scale, [1 / 127, 0.01 / 127])
    np.testing.assert_allclose(per_tensor.scale, [1 / 127, 1 / 127])
    err_c = np.abs(fake_quant_np(w[1], per_channel.scale[1], 0, -127, 127) - w[1]).max()
    err_t = np.abs(fake_quant_np(w[1], per_tensor.scale[1], 0, -127, 127) - w[1]).max()
    assert err_c < err_t / 10


def test_mse_weight_clipping_beats_minmax_at_two_bits() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 256))
    w[:, 0] = 8.0  # an outlier per channel
    errors = {}
    for method in ("minmax", "mse"):
        q = weight_qparams(w, 2, method=method)
        errors[method] = ((fake_quant_np(w, q.scale[:, None], 0, q.qmin, q.qmax) - w) ** 2).mean()
    assert errors["mse"] < 0.7 * errors["minmax"]
    with pytest.raises(QuantConfigError):
        weight_qparams(w, 4, method="bogus")


def test_fake_quant_straight_through_gradient() -> None:
    x = torch.tensor([-2.0, -0.26, 0.0, 0.24, 0.5, 3.0], requires_grad=True)
    y = fake_quant(x, 0.25, 0, -4, 3)  # grid [-1.0, 0.75]
    y.sum().backward()
    assert y.tolist() == [-1.0, -0.25, 0.0, 0.25, 0.5, 0.75]
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]  # clipped STE


def test_calibration_methods_on_a_distribution_with_outliers() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1, 100_000), [40.0, -35.0]]).astype(np.float32)
    stats = _stats(values)
    lo, hi = estimate_range(stats, "minmax")
    assert (lo, hi) == (pytest.approx(-35.0), pytest.approx(40.0))
    p_lo, p_hi = estimate_range(stats, "percentile", percentile=99.9)
    assert 2.5 < p_hi < 4.0 and -4.0 < p_lo < -2.5
    k_lo, k_hi = estimate_range(stats, "kl")
    assert 2.0 < k_hi < 30.0 and -30.0 < k_lo < -2.0  # outliers clipped, the bulk kept

    def mse(lo: float, hi: float, bits: int) -> float:
        q = affine_from_range(lo, hi, bits, symmetric=False)
        return float(((fake_quant_np(values, q.scale, q.zero_point, q.qmin, q.qmax) - values) ** 2).mean())

    for bits in (8, 4):
        m_lo, m_hi = estimate_range(stats, "mse", bits=bits)
        assert m_hi < 40.0 and mse(m_lo, m_hi, bits) < mse(lo, hi, bits)
        assert mse(m_lo, m_hi, bits) <= mse(p_lo, p_hi, bits) * 1.05 or bits == 8
    with pytest.raises(QuantConfigError, match="unknown calibration"):
        estimate_range(stats, "entropy2")


def test_kl_on_relu_activations_keeps_them_non_negative() -> None:
    rng = np.random.default_rng(1)
    values = np.maximum(rng.normal(0, 1, 50_000), 0).astype(np.float32)
    lo, hi = estimate_range(_stats(values), "kl")
    assert lo == 0.0 and 1.5 < hi <= values.max()
