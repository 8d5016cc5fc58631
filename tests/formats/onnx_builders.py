"""Tiny ONNX models built in code for the reader tests (no binaries are committed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def save(model: onnx.ModelProto, path: Path) -> Path:
    """Check ``model`` and write it to ``path``."""
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def constant_weights_model() -> onnx.ModelProto:
    """Conv whose weight comes from ``ConstantOfShape`` and bias from a ``Constant`` node, then
    Flatten and a MatMul whose (in, out) weight is a ``Transpose`` of an initializer, then Gemm with transB=0.

    Input ``x`` has a symbolic batch dimension.
    """
    shape = numpy_helper.from_array(np.array([4, 1, 3, 3], dtype=np.int64), "w_shape")
    bias = helper.make_tensor("b_value", TensorProto.FLOAT, [4], [0.1, 0.2, 0.3, 0.4])
    matmul_w_t = numpy_helper.from_array(np.arange(6 * 64, dtype=np.float32).reshape(6, 64), "mm_w_t")
    gemm_w = numpy_helper.from_array(np.ones((6, 2), dtype=np.float32), "gemm_w")  # (in, out): transB=0
    nodes = [
        helper.make_node(
            "ConstantOfShape",
            ["w_shape"],
            ["conv_w"],
            name="make_w",
            value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.5]),
        ),
        helper.make_node("Constant", [], ["conv_b"], name="make_b", value=bias),
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[0, 0, 0, 0]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
        helper.make_node("Transpose", ["mm_w_t"], ["mm_w"], name="transpose_w", perm=[1, 0]),
        helper.make_node("MatMul", ["f", "mm_w"], ["m"], name="matmul"),
        helper.make_node("Gemm", ["m", "gemm_w"], ["y"], name="gemm", transB=0),
    ]
    graph = helper.make_graph(
        nodes,
        "constant_weights",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        initializer=[shape, matmul_w_t, gemm_w],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def conv_bn_model() -> onnx.ModelProto:
    """Conv (weight + bias initializers) -> BatchNormalization -> Relu, fixed batch of 1."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.zeros(8, np.float32), "b"),
        numpy_helper.from_array(np.ones(8, np.float32), "gamma"),
        numpy_helper.from_array(np.zeros(8, np.float32), "beta"),
        numpy_helper.from_array(np.full(8, 0.5, np.float32), "mean"),
        numpy_helper.from_array(np.full(8, 2.0, np.float32), "var"),
    ]
    nodes = [
        helper.make_node(
            "Conv",
            ["x", "w", "b"],
            ["c"],
            name="conv",
            kernel_shape=[3, 3],
            strides=[2, 2],
            pads=[1, 1, 1, 1],
        ),
        helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"], name="bn", epsilon=1e-3),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "conv_bn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 4, 4])],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def external_data_model(location: str) -> onnx.ModelProto:
    """A Gemm whose weight is stored as external data at ``location`` (the file is not written here)."""
    weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(3 * 4 * 4))):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)
    graph = helper.make_graph(
        [node],
        "external",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        initializer=[weight],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
