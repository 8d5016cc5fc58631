"""The reference executor on cases worked out by hand, and against a naive loop of its documented formulas."""

from __future__ import annotations

import numpy as np
import pytest

from studio.int8.fixed_point import quantize_multiplier
from studio.int8.ir import (
    Add,
    AveragePool2D,
    Concat,
    Conv2D,
    FullyConnected,
    Int8ModelError,
    MaxPool2D,
    Reshape,
    TensorSpec,
)
from studio.int8.reference import dequantize, quantize, run_int8
from tests.int8.int8_builders import naive_conv, single_op_model

HALF = (2**30, 0)  # the multiplier of 0.5


def _conv(weights: np.ndarray, bias: list[int], mult: tuple[int, int] = HALF, **kw: object) -> Conv2D:
    cout = weights.shape[0]
    return Conv2D(
        "conv", ("x",), "y", weights=weights, bias=np.array(bias, np.int32),
        multiplier=np.full(cout, mult[0], np.int32), shift=np.full(cout, mult[1], np.int32),
        weight_scale=np.ones(cout), **kw,
    )  # fmt: skip


def test_conv_hand_computed_with_ties_zero_points_and_clamp() -> None:
    # x - zp_in = [[0,1,2],[3,4,5],[6,7,8]]; weights [[1,-1],[2,0]]
    # acc = 5, 7, 11, 13; + bias 10 = 15, 17, 21, 23; * 0.5 = 7.5, 8.5, 10.5, 11.5 -> 8, 9, 11, 12 (ties up)
    # + zp_out -3 = 5, 6, 8, 9; clamp to act_max 7 -> 5, 6, 7, 7
    x = np.arange(1, 10, dtype=np.int8).reshape(1, 3, 3, 1)
    w = np.array([[1, -1], [2, 0]], np.int8).reshape(1, 2, 2, 1)
    op = _conv(w, [10], act_max=7)
    model = single_op_model(op, [TensorSpec("x", (3, 3, 1), 1.0, 1)], TensorSpec("y", (2, 2, 1), 1.0, -3))
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [5, 6, 7, 7]


def test_conv_padding_holds_the_input_zero_point() -> None:
    # one 1x1 input with x - zp = 4, 3x3 kernel of ones, padding 1: only the centre contributes
    w = np.ones((1, 3, 3, 1), np.int8)
    op = _conv(w, [0], mult=(2**30, 1), padding=(1, 1, 1, 1))  # real multiplier 1.0
    model = single_op_model(op, [TensorSpec("x", (1, 1, 1), 1.0, 10)], TensorSpec("y", (1, 1, 1), 1.0, 0))
    assert run_int8(model, np.array([[[[14]]]], np.int8))["y"].item() == 4


def test_conv_negative_accumulator_rounding() -> None:
    # acc = -5 -> * 0.5 = -2.5 -> SRDHM ties toward +inf -> -2; acc = -3 * 0.25 = -0.75 -> -1
    w = np.array([-1], np.int8).reshape(1, 1, 1, 1)
    x = np.array([5, 3], np.int8).reshape(1, 1, 2, 1)
    model = single_op_model(_conv(w, [0]), [TensorSpec("x", (1, 2, 1), 1.0, 0)], TensorSpec("y", (1, 2, 1), 1.0, 0))
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [-2, -1]  # -2.5 -> -2, -1.5 -> -1
    quarter = _conv(w, [0], mult=(2**30, -1))
    model = single_op_model(quarter, [TensorSpec("x", (1, 2, 1), 1.0, 0)], TensorSpec("y", (1, 2, 1), 1.0, 0))
    x = np.array([6, 3], np.int8).reshape(1, 1, 2, 1)  # -1.5 -> -2 (RDBPOT away from zero), -0.75 -> -1
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [-2, -1]


def test_conv_output_saturates_to_int8() -> None:
    w = np.full((2, 1, 1, 1), 127, np.int8)
    w[1] = -127
    op = _conv(w, [0, 0], mult=(2**30, 1))
    model = single_op_model(op, [TensorSpec("x", (1, 1, 1), 1.0, -128)], TensorSpec("y", (1, 1, 2), 1.0, 0))
    out = run_int8(model, np.array([[[[127]]]], np.int8))["y"]
    assert out.reshape(-1).tolist() == [127, -128]


@pytest.mark.parametrize(
    ("groups", "stride", "dilation", "padding"),
    [(1, (1, 1), (1, 1), (1, 1, 1, 1)), (2, (2, 1), (1, 1), (0, 1, 1, 0)), (4, (1, 2), (2, 1), (2, 2, 1, 1))],
)
def test_conv_matches_the_naive_loop(groups: int, stride: tuple, dilation: tuple, padding: tuple) -> None:
    rng = np.random.default_rng(groups)
    cin, cout = 4, 8
    x = rng.integers(-128, 128, size=(2, 5, 6, cin)).astype(np.int8)
    w = rng.integers(-127, 128, size=(cout, 3, 3, cin // groups)).astype(np.int8)
    mult_shift = [quantize_multiplier(r) for r in rng.uniform(0.0005, 0.02, cout)]
    op = Conv2D(
        "conv", ("x",), "y", weights=w, bias=rng.integers(-5000, 5000, cout).astype(np.int32),
        multiplier=np.array([m for m, _ in mult_shift], np.int32), shift=np.array([s for _, s in mult_shift], np.int32),
        weight_scale=np.ones(cout), stride=stride, dilation=dilation, padding=padding, groups=groups,
        act_min=-100, act_max=120,
    )  # fmt: skip
    shape = op.output_shape([(5, 6, cin)])
    model = single_op_model(op, [TensorSpec("x", (5, 6, cin), 0.1, 7)], TensorSpec("y", shape, 0.2, -5))
    expected = naive_conv(x, op, zp_in=7, zp_out=-5)
    np.testing.assert_array_equal(run_int8(model, x)["y"], expected)
    assert len(np.unique(expected)) > 20  # a real spread of values, not all clamped


def test_fully_connected_hand_computed() -> None:
    # x - zp = [2, -1, 3]; rows [1, 2, 3] and [-1, 0, 1]; acc = 2-2+9 = 9 (+1) = 10, -2+0+3 = 1 (+0) = 1
    # * 0.5 -> 5 and 0.5 -> 1; + zp_out 2 -> 7, 3
    op = FullyConnected(
        "fc", ("x",), "y", weights=np.array([[1, 2, 3], [-1, 0, 1]], np.int8), bias=np.array([1, 0], np.int32),
        multiplier=np.full(2, 2**30, np.int32), shift=np.zeros(2, np.int32), weight_scale=np.ones(2),
    )  # fmt: skip
    model = single_op_model(op, [TensorSpec("x", (3,), 1.0, 1)], TensorSpec("y", (2,), 1.0, 2))
    assert run_int8(model, np.array([[3, 0, 4]], np.int8))["y"].tolist() == [[7, 3]]


def test_max_pool_ignores_padding_and_clamps() -> None:
    x = np.array([-128, -100, 50, 120], np.int8).reshape(1, 2, 2, 1)
    op = MaxPool2D("pool", ("x",), "y", kernel=(2, 2), stride=(2, 2), padding=(1, 1, 1, 1), act_max=100)
    spec = TensorSpec("x", (2, 2, 1), 0.5, -128)
    model = single_op_model(op, [spec], TensorSpec("y", (2, 2, 1), 0.5, -128))
    # windows with padding each hold one element: -128 stays (not the padding), 120 is clamped to 100
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [-128, -100, 50, 100]


def test_average_pool_rounds_half_away_from_zero() -> None:
    # windows of two: (1+2)/2 = 1.5 -> 2, (-1-2)/2 = -1.5 -> -2, (-1+0)/2 = -0.5 -> -1, (0+1)/2 -> 1, (2+2)/2 = 2
    x = np.array([1, 2, -1, -2, -1, 0, 0, 1, 2, 2], np.int8).reshape(1, 1, 10, 1)
    op = AveragePool2D("avg", ("x",), "y", kernel=(1, 2), stride=(1, 2))
    model = single_op_model(op, [TensorSpec("x", (1, 10, 1), 1.0, 0)], TensorSpec("y", (1, 5, 1), 1.0, 0))
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [2, -2, -1, 1, 2]


def test_average_pool_excludes_padding_from_the_count() -> None:
    # 2x2 input, 2x2 kernel, stride 1, padding 1 on top/left: the corner window sees only x[0,0] = 9
    x = np.array([9, 1, 3, 5], np.int8).reshape(1, 2, 2, 1)
    op = AveragePool2D("avg", ("x",), "y", kernel=(2, 2), stride=(1, 1), padding=(1, 0, 1, 0))
    model = single_op_model(op, [TensorSpec("x", (2, 2, 1), 1.0, 0)], TensorSpec("y", (2, 2, 1), 1.0, 0))
    # windows: [9] -> 9; [9,1] -> 5; [9,3] -> 6; [9,1,3,5] = 18/4 = 4.5 -> 5
    assert run_int8(model, x)["y"].reshape(-1).tolist() == [9, 5, 6, 5]


def _add_op(**kw: object) -> Add:
    # s1 = s2 = s_out = 0.5: input multipliers 0.5 = (2^30, 0); output 1 / (2^20 * 0.5) = 2^-19 = (2^30, -18)
    return Add("add", ("a", "b"), "y", input1_multiplier=2**30, input1_shift=0, input2_multiplier=2**30,
               input2_shift=0, output_multiplier=2**30, output_shift=-18, **kw)  # fmt: skip


def test_add_hand_computed_and_saturating() -> None:
    specs = [TensorSpec("a", (3,), 0.5, 0), TensorSpec("b", (3,), 0.5, 0)]
    model = single_op_model(_add_op(act_min=-128, act_max=127), specs, TensorSpec("y", (3,), 0.5, 0))
    a = np.array([[3, 100, -100]], np.int8)
    b = np.array([[4, 100, -100]], np.int8)
    assert run_int8(model, {"a": a, "b": b})["y"].tolist() == [[7, 127, -128]]


def test_add_with_zero_points_and_relu_clamp() -> None:
    specs = [TensorSpec("a", (2,), 0.5, 10), TensorSpec("b", (2,), 0.5, -10)]
    model = single_op_model(_add_op(act_min=5), specs, TensorSpec("y", (2,), 0.5, 5))
    # (13-10) + (-6+10) = 7 -> + 5 = 12 ; (10-10) + (-15+10) = -5 -> 0, clamped to the ReLU floor 5
    out = run_int8(model, {"a": np.array([[13, 10]], np.int8), "b": np.array([[-6, -15]], np.int8)})["y"]
    assert out.tolist() == [[12, 5]]


def test_concat_requantizes_each_input() -> None:
    # input 2 has scale 0.5 / zp 10 into an output of scale 1: (13 - 10) * 0.5 = 1.5 -> 2
    op = Concat("cat", ("a", "b"), "y", multiplier=np.array([2**30, 2**30], np.int32),
                shift=np.array([1, 0], np.int32))  # fmt: skip
    specs = [TensorSpec("a", (1, 1, 2), 1.0, 0), TensorSpec("b", (1, 1, 1), 0.5, 10)]
    model = single_op_model(op, specs, TensorSpec("y", (1, 1, 3), 1.0, 0))
    out = run_int8(model, {"a": np.array([-128, 127], np.int8).reshape(1, 1, 1, 2),
                           "b": np.array([13], np.int8).reshape(1, 1, 1, 1)})["y"]  # fmt: skip
    assert out.reshape(-1).tolist() == [-128, 127, 2]  # the identity multiplier keeps input 1 exact


def test_reshape_keeps_nhwc_order() -> None:
    x = np.arange(12, dtype=np.int8).reshape(1, 2, 2, 3)
    op = Reshape("flat", ("x",), "y", shape=(12,))
    model = single_op_model(op, [TensorSpec("x", (2, 2, 3), 1.0, 0)], TensorSpec("y", (12,), 1.0, 0))
    assert run_int8(model, x)["y"].tolist() == [list(range(12))]


def test_inputs_are_checked() -> None:
    op = Reshape("flat", ("x",), "y", shape=(4,))
    model = single_op_model(op, [TensorSpec("x", (2, 2), 1.0, 0)], TensorSpec("y", (4,), 1.0, 0))
    with pytest.raises(Int8ModelError, match="expected int8"):
        run_int8(model, np.zeros((1, 2, 2), np.float32))
    with pytest.raises(Int8ModelError, match="expected int8"):
        run_int8(model, np.zeros((1, 4), np.int8))


def test_quantize_and_dequantize() -> None:
    codes = quantize(np.array([0.25, -0.25, 100.0, -100.0, 0.0]), 0.5, 3)
    assert codes.tolist() == [4, 2, 127, -128, 3]  # 0.5 -> 1 and -0.5 -> -1: ties away from zero
    assert dequantize(codes, 0.5, 3).tolist() == [0.5, -0.5, 62.0, -65.5, 0.0]
