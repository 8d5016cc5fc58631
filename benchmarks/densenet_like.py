"""A synthetic DenseNet-like ONNX model of a chosen size, for the graph benchmarks and their tests.

Why synthetic: the largest model shipped with the onnx package has ~1,700 nodes and half of them are
weight-generating ``ConstantOfShape`` stubs; the studio's target is about real layer graphs of thousands of
nodes with long skip connections, which is what DenseNet's dense blocks produce. Weights are small (growth 4,
8x8 feature maps), so a 2,000-node model is a few MB and builds in well under a second.

Structure, as in DenseNet-121's ONNX export: a stem convolution, then dense blocks of layers
``BN -> Relu -> Conv1x1 -> BN -> Relu -> Conv3x3 -> Concat(previous features, new)`` (7 nodes per layer,
2-input concatenations), transitions ``BN -> Relu -> Conv1x1 -> AveragePool`` between blocks, and a
``GlobalAveragePool -> Flatten -> Gemm`` head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NODES_PER_LAYER = 7
NODES_PER_TRANSITION = 4
STEM_AND_HEAD_NODES = 4  # stem Conv + GlobalAveragePool, Flatten, Gemm


def _layers_for(target_nodes: int, blocks: int) -> int:
    fixed = STEM_AND_HEAD_NODES + NODES_PER_TRANSITION * (blocks - 1)
    return max(1, round((target_nodes - fixed) / (NODES_PER_LAYER * blocks)))


def make_densenet_like_model(
    target_nodes: int = 2000,
    *,
    blocks: int = 4,
    growth: int = 4,
    image_size: int = 8,
    classes: int = 10,
    seed: int = 0,
) -> Any:
    """Build an ``onnx.ModelProto`` of about ``target_nodes`` nodes (exact: ``len(model.graph.node)``).

    Shapes are fully static (batch 1, 3 x ``image_size`` x ``image_size``) and the model passes
    ``onnx.checker``. Raises ``ValueError`` for a ``target_nodes`` below 20.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if target_nodes < 20:
        raise ValueError("target_nodes must be at least 20")
    rng = np.random.default_rng(seed)
    layers = _layers_for(target_nodes, blocks)
    nodes: list[Any] = []
    inits: list[Any] = []

    def weight(name: str, *shape: int) -> str:
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name))
        return name

    def batch_norm(prefix: str, x: str, channels: int) -> str:
        names = [f"{prefix}.{p}" for p in ("scale", "bias", "mean", "var")]
        for name, value in zip(names, (1.0, 0.0, 0.0, 1.0), strict=True):
            inits.append(numpy_helper.from_array(np.full(channels, value, np.float32), name))
        nodes.append(helper.make_node("BatchNormalization", [x, *names], [f"{prefix}.out"], name=prefix))
        return f"{prefix}.out"

    def relu(prefix: str, x: str) -> str:
        nodes.append(helper.make_node("Relu", [x], [f"{prefix}.out"], name=prefix))
        return f"{prefix}.out"

    def conv(prefix: str, x: str, c_in: int, c_out: int, k: int) -> str:
        w = weight(f"{prefix}.weight", c_out, c_in, k, k)
        pad = k // 2
        nodes.append(
            helper.make_node("Conv", [x, w], [f"{prefix}.out"], name=prefix, kernel_shape=[k, k], pads=[pad] * 4)
        )
        return f"{prefix}.out"

    channels = 2 * growth
    x = conv("stem.conv", "input", 3, channels, 3)
    for b in range(blocks):
        for i in range(layers):
            p = f"block{b}.layer{i}"
            h = relu(f"{p}.relu1", batch_norm(f"{p}.norm1", x, channels))
            h = conv(f"{p}.conv1", h, channels, 4 * growth, 1)
            h = relu(f"{p}.relu2", batch_norm(f"{p}.norm2", h, 4 * growth))
            h = conv(f"{p}.conv2", h, 4 * growth, growth, 3)
            nodes.append(helper.make_node("Concat", [x, h], [f"{p}.concat.out"], name=f"{p}.concat", axis=1))
            x, channels = f"{p}.concat.out", channels + growth
        if b < blocks - 1:
            p = f"transition{b}"
            h = relu(f"{p}.relu", batch_norm(f"{p}.norm", x, channels))
            h = conv(f"{p}.conv", h, channels, channels // 2, 1)
            channels //= 2
            # Pool only while the map is larger than 1x1, so any block count keeps valid shapes.
            stride = 2 if image_size >> (b + 1) >= 1 else 1
            nodes.append(
                helper.make_node(
                    "AveragePool",
                    [h],
                    [f"{p}.pool.out"],
                    name=f"{p}.pool",
                    kernel_shape=[stride] * 2,
                    strides=[stride] * 2,
                )
            )
            x = f"{p}.pool.out"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["head.pool.out"], name="head.pool"))
    nodes.append(helper.make_node("Flatten", ["head.pool.out"], ["head.flat.out"], name="head.flatten"))
    fc_w, fc_b = weight("head.fc.weight", classes, channels), weight("head.fc.bias", classes)
    nodes.append(helper.make_node("Gemm", ["head.flat.out", fc_w, fc_b], ["logits"], name="head.fc", transB=1))

    graph = helper.make_graph(
        nodes,
        f"densenet_like_{len(nodes)}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, image_size, image_size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tinyml-bench")
    onnx.checker.check_model(model)
    return model


def write_densenet_like_onnx(path: str | Path, target_nodes: int = 2000, **options: Any) -> Path:
    """Write :func:`make_densenet_like_model` to ``path`` (weights inline) and return the path."""
    import onnx

    path = Path(path)
    onnx.save_model(make_densenet_like_model(target_nodes, **options), str(path))
    return path
