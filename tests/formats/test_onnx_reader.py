"""The ONNX reader on models built in the test: constants folded into params, IR conventions, shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from studio.formats.registry import open_model
from tests.formats import onnx_builders


@pytest.fixture
def constant_weights(tmp_path: Path) -> Path:
    return onnx_builders.save(onnx_builders.constant_weights_model(), tmp_path / "const.onnx")


def test_constant_of_shape_weight_becomes_conv_param(constant_weights: Path) -> None:
    model = open_model(constant_weights)
    conv = model.graph.node("conv")
    assert conv.inputs == ["x"]
    assert conv.params["weight"].shape == (4, 1, 3, 3)
    assert np.all(conv.params["weight"] == 0.5)
    np.testing.assert_allclose(conv.params["bias"], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    assert conv.attrs["kernel_shape"] == [3, 3]


def test_folded_constant_nodes_are_not_graph_nodes(constant_weights: Path) -> None:
    graph = open_model(constant_weights).graph
    assert [n.op for n in graph.nodes] == ["Conv", "Relu", "Flatten", "MatMul", "Gemm"]
    assert "conv_w" not in graph.tensors and "mm_w" not in graph.tensors


def test_matmul_constant_rhs_is_stored_out_in(constant_weights: Path) -> None:
    matmul = open_model(constant_weights).graph.node("matmul")
    # The file's (in=64, out=6) weight is a Transpose of a (6, 64) initializer: stored back as (out, in).
    assert matmul.params["weight"].shape == (6, 64)
    np.testing.assert_array_equal(matmul.params["weight"], np.arange(6 * 64, dtype=np.float32).reshape(6, 64))
    assert matmul.inputs == ["f"]


def test_gemm_trans_b_zero_is_transposed_to_out_in(constant_weights: Path) -> None:
    gemm = open_model(constant_weights).graph.node("gemm")
    assert gemm.params["weight"].shape == (2, 6)
    assert gemm.attrs["transB"] == 1


def test_dynamic_batch_becomes_one_and_shapes_are_inferred(constant_weights: Path) -> None:
    model = open_model(constant_weights)
    assert model.format == "onnx"
    assert model.path == constant_weights
    assert model.module is None
    assert model.input_shape == (1, 1, 6, 6)
    graph = model.graph
    assert graph.inputs == ["x"] and graph.outputs == ["y"]
    assert graph.tensor("c").shape == (1, 4, 4, 4)
    assert graph.tensor("f").shape == (1, 64)
    assert graph.tensor("y").shape == (1, 2)
    assert graph.metadata["shape_inference"] == "ok"


def test_input_shape_option_overrides_first_input(constant_weights: Path) -> None:
    model = open_model(constant_weights, input_shape=(2, 1, 6, 6))
    assert model.input_shape == (2, 1, 6, 6)
    assert model.graph.tensor("y").shape == (2, 2)


def test_conv_and_batchnorm_params_by_role(tmp_path: Path) -> None:
    path = onnx_builders.save(onnx_builders.conv_bn_model(), tmp_path / "convbn.onnx")
    graph = open_model(path).graph
    conv, bn, relu = graph.nodes
    assert (conv.op, bn.op, relu.op) == ("Conv", "BatchNormalization", "Relu")
    assert conv.params["weight"].shape == (8, 3, 3, 3) and conv.params["bias"].shape == (8,)
    assert conv.attrs["strides"] == [2, 2] and conv.attrs["pads"] == [1, 1, 1, 1]
    assert set(bn.params) == {"scale", "bias", "mean", "var"}
    np.testing.assert_array_equal(bn.params["var"], np.full(8, 2.0, np.float32))
    assert bn.attrs["epsilon"] == pytest.approx(1e-3)
    assert bn.inputs == ["c"] and relu.inputs == ["n"]
    assert graph.param_count == 8 * 27 + 8 + 4 * 8
    assert graph.edges() == [("conv", "bn", "c"), ("bn", "relu", "n")]


def test_unnamed_nodes_get_unique_names(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Relu", ["a"], ["y"])]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    )
    path = onnx_builders.save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "r.onnx"
    )
    names = [n.name for n in open_model(path).graph.nodes]
    assert len(set(names)) == 2 and all(names)


LIGHT_RESNET = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_resnet50.onnx"


@pytest.mark.skipif(not LIGHT_RESNET.is_file(), reason="this onnx build ships no light models")
def test_light_resnet50_weights_come_from_constant_of_shape() -> None:
    graph = open_model(LIGHT_RESNET).graph
    assert "ConstantOfShape" not in {n.op for n in graph.nodes}
    gemm = next(n for n in graph.nodes if n.op == "Gemm")
    assert gemm.params["weight"].shape == (1000, 2048) and gemm.params["bias"].shape == (1000,)
    assert graph.tensor(gemm.outputs[0]).shape == (1, 1000)
    bn = next(n for n in graph.nodes if n.op == "BatchNormalization")
    assert set(bn.params) == {"scale", "bias", "mean", "var"}
    first_conv = graph.nodes[0]
    assert first_conv.op == "Conv" and first_conv.params["weight"].shape == (64, 3, 7, 7)
    assert graph.param_count == 25_610_154


def test_constant_arithmetic_is_folded_by_the_reference_evaluator(tmp_path: Path) -> None:
    from onnx import TensorProto, helper, numpy_helper

    half = numpy_helper.from_array(np.full((2, 3), 0.5, np.float32), "half")
    raw = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "raw")
    nodes = [
        helper.make_node("Mul", ["raw", "half"], ["w"], name="scale_w"),  # not in the numpy evaluator
        helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[half, raw],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    loaded = open_model(onnx_builders.save(model, tmp_path / "mul.onnx"))
    assert [n.name for n in loaded.graph.nodes] == ["fc"]
    np.testing.assert_allclose(loaded.graph.node("fc").params["weight"], np.arange(6).reshape(2, 3) * 0.5)
