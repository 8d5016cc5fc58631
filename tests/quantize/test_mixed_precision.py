"""The per-layer bit-width scan and the bit allocation for a size target."""

from __future__ import annotations

from typing import Any

import pytest

from studio.optimize.quantize.allocation import allocate_bits, layer_bytes, model_bytes
from studio.optimize.quantize.qparams import QuantConfigError
from studio.optimize.quantize.sensitivity import BitScanConfig, BitScanResult, LayerCurve, bit_sensitivity_scan


def test_scan_curves_fall_with_bits_and_match_a_full_evaluation(demo_model: Any, digits: Any) -> None:
    from studio.analysis.evaluate import evaluate
    from studio.optimize.quantize.config import LinearQuantConfig
    from studio.optimize.quantize.ptq import linear_quantize
    from studio.runtime.executor import TorchExecutor

    scan = bit_sensitivity_scan(demo_model.module, demo_model.input_shape, digits.val, BitScanConfig(bits=(8, 2)))
    assert [c.layer for c in scan.curves] == ["conv1", "conv2", "conv3", "fc"]
    for curve in scan.curves:
        assert curve.bits == [8, 2]
        assert curve.sqnr_db[0] > curve.sqnr_db[1] + 20  # ~6 dB per bit
    # the cached-prefix scan gives what quantizing that one layer and evaluating the whole model gives
    fc2 = linear_quantize(
        demo_model.module,
        demo_model.input_shape,
        None,
        LinearQuantConfig(weight_bits=32, layer_bits={"fc": 2}, quantize_activations=False),
    )
    full = evaluate(TorchExecutor(fc2), digits.val.subset(512, seed=0)).accuracy  # fmt: skip
    assert scan.curve("fc").accuracy[1] == pytest.approx(full, abs=1e-9)
    with pytest.raises(QuantConfigError, match="no quantizable layer"):
        bit_sensitivity_scan(demo_model.module, demo_model.input_shape, digits.val, BitScanConfig(layers=("x",)))


def _toy_scan() -> BitScanResult:
    return BitScanResult(
        baseline=0.9,
        samples=100,
        curves=[
            LayerCurve("big_robust", 10_000, 10, [8, 4, 2], [0.9, 0.9, 0.89], [40, 20, 8]),
            LayerCurve("small_fragile", 1_000, 10, [8, 4, 2], [0.9, 0.6, 0.2], [40, 20, 8]),
        ],
    )


def test_allocation_lowers_the_robust_layer_first() -> None:
    scan = _toy_scan()
    full = model_bytes(scan, {"big_robust": 8, "small_fragile": 8})
    target = full - (layer_bytes(10_000, 10, 8) - layer_bytes(10_000, 10, 2))
    result = allocate_bits(scan, target)
    assert result.layer_bits == {"big_robust": 2, "small_fragile": 8} and result.fits
    assert result.size_bytes <= target and result.predicted_accuracy == pytest.approx(0.89)
    tiny = allocate_bits(scan, 10)
    assert not tiny.fits and tiny.layer_bits == {"big_robust": 2, "small_fragile": 2}
    with pytest.raises(QuantConfigError):
        allocate_bits(scan, 0)
