"""PTQ, k-means and QAT on the digits demo: the accuracy targets of the issue, sizes, and the int8 link."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from studio.analysis.evaluate import evaluate
from studio.int8.reference import float_predictor
from studio.optimize.quantize.config import KMeansConfig, LinearQuantConfig, QATConfig
from studio.optimize.quantize.kmeans import kmeans_quantize
from studio.optimize.quantize.layers import KMeansQuantLayer, UniformQuantLayer, kmeans_1d
from studio.optimize.quantize.ptq import linear_quantize
from studio.optimize.quantize.qat import quantization_aware_training
from studio.optimize.quantize.qparams import QuantConfigError
from studio.runtime.executor import TorchExecutor


def _acc(module: Any, data: Any) -> float:
    return evaluate(TorchExecutor(module), data.val).accuracy


def test_8bit_per_channel_ptq_is_within_one_point_and_matches_int8(
    demo_model: Any, digits: Any, demo_fp32_accuracy: float
) -> None:
    sim = linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration, LinearQuantConfig())
    simulated = _acc(sim, digits)
    assert simulated >= demo_fp32_accuracy - 0.01
    int8 = sim.to_int8()
    integer = evaluate(float_predictor(int8), digits.val).accuracy
    assert integer >= demo_fp32_accuracy - 0.01
    # the simulation predicts the integer model: same grids, same decisions on almost every image
    sim_logits = TorchExecutor(sim)(digits.val.x)
    int_logits = float_predictor(int8)(digits.val.x)
    assert (sim_logits.argmax(1) == int_logits.argmax(1)).mean() > 0.99
    assert sim.storage_bytes() < 0.3 * 4 * sum(p.numel() for p in demo_model.module.parameters())
    for layer in sim.layers():
        assert isinstance(layer, UniformQuantLayer) and layer.bits == 8
        codes = layer.integer_weight()
        assert codes.min() >= -127 and codes.max() <= 127


def test_low_bits_mixed_layers_and_grid_choices(demo_model: Any, digits: Any) -> None:
    cfg = LinearQuantConfig(weight_bits=2, layer_bits={"conv1": 8, "fc": 32}, per_channel=False, symmetric=False)
    sim = linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration, cfg)
    bits = {row["layer"]: row["bits"] for row in sim.layer_table()}
    assert bits == {"conv1": 8, "conv2": 2, "conv3": 2, "fc": 32}
    conv2 = sim.layer("conv2")
    assert len(np.unique(conv2.quantized_weight().detach().numpy())) <= 4
    assert conv2.describe()["granularity"] == "per-tensor"
    # 4608 2-bit codes + one float scale and zero point + 32 int32 biases
    assert conv2.storage_bytes() == 4608 * 2 // 8 + 5 + 4 * 32
    with pytest.raises(QuantConfigError, match="asymmetric"):
        sim.to_int8()
    with pytest.raises(QuantConfigError, match="no quantizable layer"):
        linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration,
                        LinearQuantConfig(layer_bits={"conv9": 4}))  # fmt: skip
    with pytest.raises(QuantConfigError, match="2 to 8"):
        LinearQuantConfig(weight_bits=1)


def test_kmeans_1d_finds_clusters_and_keeps_extremes() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(c, 0.01, 200) for c in (-1.0, 0.0, 0.5, 2.0)])
    centroids, labels = kmeans_1d(values, 4)
    np.testing.assert_allclose(centroids, [-1.0, 0.0, 0.5, 2.0], atol=0.01)
    assert np.bincount(labels).tolist() == [200, 200, 200, 200]


def test_kmeans_codebook_gradient_is_the_sum_over_its_weights(demo_model: Any) -> None:
    sim = kmeans_quantize(demo_model.module, demo_model.input_shape, KMeansConfig(bits=2, fine_tune_epochs=0))
    layer = sim.layer("conv1")
    assert isinstance(layer, KMeansQuantLayer) and layer.codebook.numel() == 4
    assert [n for n, _ in layer.named_parameters()] == ["bias", "codebook"]  # the weights are not free
    out = layer(torch.rand(2, 1, 8, 8))
    w = layer.effective_weight()
    w.retain_grad()
    torch.nn.functional.conv2d(torch.rand(2, 1, 8, 8), w, padding=1).sum().backward()
    expected = torch.zeros(4).index_add_(0, layer.labels.reshape(-1), w.grad.reshape(-1))
    torch.testing.assert_close(layer.codebook.grad, expected)
    assert out.shape == (2, 16, 8, 8)


def test_4bit_kmeans_with_fine_tuning_is_within_two_points(
    demo_model: Any, digits: Any, demo_fp32_accuracy: float
) -> None:
    config = KMeansConfig(bits=4, fine_tune_epochs=1)
    sim = kmeans_quantize(demo_model.module, demo_model.input_shape, config, digits.train.subset(700))
    assert _acc(sim, digits) >= demo_fp32_accuracy - 0.02
    for layer in sim.layers():
        assert len(torch.unique(layer.effective_weight())) <= 16
    # 4-bit indices + 16 float centroids + float bias per layer
    assert sim.storage_bytes() == sum((lay.weight_count * 4 + 7) // 8 + 64 + 4 * lay.out_channels
                                      for lay in sim.layers())  # fmt: skip
    with pytest.raises(QuantConfigError, match="training data"):
        kmeans_quantize(demo_model.module, demo_model.input_shape, config, None)


@pytest.mark.slow
def test_qat_recovers_2bit_accuracy(demo_model: Any, digits: Any) -> None:
    sim = linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration,
                          LinearQuantConfig(weight_bits=2))  # fmt: skip
    before = _acc(sim, digits)
    tuned = quantization_aware_training(sim, digits.train.subset(700), QATConfig(epochs=2, learning_rate=1e-3))
    after = _acc(tuned, digits)
    assert after > before + 0.05, (before, after)
    assert _acc(sim, digits) == before  # the input model is untouched
    for layer in tuned.layers():
        assert len(np.unique(layer.quantized_weight().detach().numpy()[0])) <= 4


def test_qat_needs_a_linearly_quantized_model(demo_model: Any, digits: Any) -> None:
    with pytest.raises(QuantConfigError, match="linearly quantized"):
        quantization_aware_training(demo_model.module, digits.train)
