"""The fast kernel set on shapes the demo lacks: odd channel counts, 5x5 and strided kernels, padding on one
axis only, depthwise 5x5 and strided, layers it declines (dilated, grouped, padded pooling) falling back to
the generic kernels; and the folded requantization against the reference's arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from studio.deploy.codegen.generate import generate_model
from studio.deploy.codegen.host_harness import build_host, run_host
from studio.deploy.codegen.requant import fast_requant_applies, fast_requantize, requant_table
from studio.int8.fixed_point import multiply_by_quantized_multiplier
from studio.int8.reference import run_int8
from tests.deploy.conftest import needs_cc


def _shapes_module():
    import torch
    from torch import nn

    class Shapes(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = nn.Conv2d(3, 7, 5, stride=2, padding=2)  # cin 3, odd cout, 5x5, stride 2
            self.c2 = nn.Conv2d(7, 6, 3, padding=(0, 1))  # padding on the width only
            self.dil = nn.Conv2d(6, 6, 3, padding=2, dilation=2)  # declined: dilation
            self.grp = nn.Conv2d(6, 6, 3, padding=1, groups=2)  # declined: grouped, not depthwise
            self.dw5 = nn.Conv2d(6, 6, 5, padding=2, groups=6)
            self.dws2 = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)
            self.pw = nn.Conv2d(6, 9, 1)
            self.act = nn.ReLU6()
            self.mp_pad = nn.MaxPool2d(3, stride=1, padding=1)  # declined: padded pooling
            self.mp = nn.MaxPool2d(2, stride=1)  # 9 channels: two SIMD lanes of 4 and a tail
            self.fc = nn.Linear(9 * 1 * 2, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a = torch.relu(self.c2(torch.relu(self.c1(x))))
            b = self.grp(torch.relu(self.dil(a)))
            c = torch.relu(b + self.dw5(a))
            d = self.act(self.pw(torch.relu(self.dws2(c))))
            return self.fc(torch.flatten(self.mp(self.mp_pad(d)), 1))

    torch.manual_seed(3)
    return Shapes().eval()


@pytest.fixture(scope="module")
def shapes_int8():
    import torch

    from studio.int8.lower import lower_module
    from studio.int8.reference import input_codes

    torch.set_num_threads(1)
    x = np.random.default_rng(5).normal(size=(40, 3, 12, 12)).astype(np.float32)
    model = lower_module(_shapes_module(), (1, 3, 12, 12), x[:24], name="shapes")
    return model, input_codes(model, x)


@needs_cc
@pytest.mark.parametrize("dsp", [True, False], ids=["dsp", "portable"])
def test_fast_kernels_on_unusual_shapes_equal_the_reference_layer_by_layer(shapes_int8, tmp_path, dsp) -> None:
    model, x = shapes_int8
    generated = generate_model(model)
    kernels = {layer.name: layer.kernel for layer in generated.layers}
    assert kernels["c1"] == "studio_conv_fast_5x5" and kernels["pw"] == "studio_conv_fast_1x1"
    assert kernels["dil"] == kernels["grp"] == "studio_conv2d"  # declined, generic fallback
    assert kernels["mp_pad"] == "studio_max_pool" and kernels["mp"] == "studio_max_pool_fast"
    assert kernels["dw5"].startswith("studio_dw") and kernels["dws2"].startswith("studio_dw")
    exe = build_host(generated, tmp_path, emulate_dsp=dsp)
    want = run_int8(model, x, keep_all=True)
    for i, op in enumerate(model.ops):
        got = run_host(exe, x, layers=i + 1)
        assert np.array_equal(got, want[op.output].reshape(len(x), -1)), f"{op.name} ({generated.layers[i].kernel})"


def _edge_accumulators() -> np.ndarray:
    rng = np.random.default_rng(0)
    acc = np.concatenate([rng.integers(-(2**31), 2**31, 4000), rng.integers(-3000, 3000, 4000)])
    return np.concatenate([acc, [-(2**31), 2**31 - 1, -1, 0, 1]]).astype(np.int64)[:, None]


MULTIPLIERS = np.array([0, 2**30, 2**30 + 1, 1518500250, 2**31 - 1] * 7)
SHIFTS = -(np.arange(35) % 31 + 1)  # every right shift 1..31


def test_folded_requantization_equals_the_reference_on_edge_values() -> None:
    acc = _edge_accumulators()
    table = requant_table(MULTIPLIERS, SHIFTS)
    assert table.mode == 1 and not table.zp_folded and len(table.rows) == len(MULTIPLIERS)
    assert np.array_equal(fast_requantize(acc, table), multiply_by_quantized_multiplier(acc, MULTIPLIERS, SHIFTS))


@pytest.mark.parametrize(("zp", "act_min"), [(-128, -128), (-5, -5), (17, 30), (40, -128), (-128, -100)])
def test_fused_relu_and_folded_zero_point_give_the_reference_after_the_clamp(zp, act_min) -> None:
    acc = _edge_accumulators()
    table = requant_table(MULTIPLIERS, SHIFTS, zp, act_min)
    assert table.mode == (2 if act_min >= zp else 1)
    want = np.clip(multiply_by_quantized_multiplier(acc, MULTIPLIERS, SHIFTS) + zp, act_min, 127)
    got = np.clip(fast_requantize(acc, table, zp), act_min, 127)
    # Folding the zero point into the constant needs every shift <= 23 (else it stays an add).
    small = requant_table(MULTIPLIERS[:20], SHIFTS[:20] // 2 - 1, zp, act_min)
    assert small.zp_folded == (zp != 0) and not table.zp_folded
    want_small = np.clip(
        multiply_by_quantized_multiplier(acc, MULTIPLIERS[:20], SHIFTS[:20] // 2 - 1) + zp, act_min, 127
    )
    assert np.array_equal(got, want)
    assert np.array_equal(np.clip(fast_requantize(acc, small, zp), act_min, 127), want_small)


def test_left_shifts_and_zero_right_shifts_keep_the_exact_routine() -> None:
    assert not fast_requant_applies(np.array([2**30, 2**30]), np.array([-3, 0]))
    assert not fast_requant_applies(np.array([2**30]), np.array([2]))
    assert fast_requant_applies(np.array([0, 2**30]), np.array([0, -1]))  # a zero multiplier is 0 either way
    table = requant_table(np.array([2**30]), np.array([1]))
    assert not table.fast and table.rows == ((0, 2**30, 1),)
