"""Tiny ONNX models for the Netron plugin tests, built with onnx.helper (no binaries committed)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Distinctive node names: the Qt test looks for them in Netron's rendered page.
TINY_NODE_NAMES = ("conv_stem_tinyml", "relu_stem_tinyml", "pool_head_tinyml")


def make_tiny_onnx_bytes() -> bytes:
    """A 3-node Conv -> Relu -> GlobalAveragePool model, serialized."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 1, 3, 3), dtype=np.float32), name="conv_w")
    nodes = [
        helper.make_node("Conv", ["x", "conv_w"], ["c"], name=TINY_NODE_NAMES[0], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name=TINY_NODE_NAMES[1]),
        helper.make_node("GlobalAveragePool", ["r"], ["y"], name=TINY_NODE_NAMES[2]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_netron",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 1, 1])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


@pytest.fixture
def tiny_onnx_path(tmp_path: Path) -> Path:
    """A tiny, valid ONNX file in the test's temp dir."""
    path = tmp_path / "tiny.onnx"
    path.write_bytes(make_tiny_onnx_bytes())
    return path
