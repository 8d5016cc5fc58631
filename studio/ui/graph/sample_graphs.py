"""Synthetic IR graphs (chains, residual nets, dense blocks) for developing and testing the graph view.

Qt-free on purpose: the layout tests use them too. Shapes are filled in so edge labels show, and conv/gemm
nodes carry small weights so their titles show kernel sizes and feature counts as real models do.
"""

from __future__ import annotations

import numpy as np

from studio.graph.ir import Graph, Node, TensorInfo


class _GraphBuilder:
    """Appends nodes in execution order and records each output tensor's shape."""

    def __init__(self, name: str, input_shape: tuple[int, ...]) -> None:
        self.name = name
        self.nodes: list[Node] = []
        self.tensors: dict[str, TensorInfo] = {"input": TensorInfo("input", input_shape)}

    def add(self, op: str, inputs: list[str], shape: tuple[int, ...], module: str, **attrs: object) -> str:
        out = f"{module}.out"
        params: dict[str, np.ndarray] = {}
        if op == "Conv":
            k = int(attrs.get("kernel_shape", [3, 3])[0])  # type: ignore[index]
            in_ch = self.tensors[inputs[0]].shape[1]  # type: ignore[index]
            params["weight"] = np.zeros((shape[1], int(in_ch), k, k), dtype=np.float32)  # type: ignore[arg-type]
        elif op == "Gemm":
            in_f = self.tensors[inputs[0]].shape[1]  # type: ignore[index]
            params["weight"] = np.zeros((shape[1], int(in_f)), dtype=np.float32)  # type: ignore[arg-type]
        self.nodes.append(Node(module, op, list(inputs), [out], dict(attrs), params, module))
        self.tensors[out] = TensorInfo(out, shape)
        return out

    def build(self, output: str) -> Graph:
        return Graph(self.name, self.nodes, self.tensors, ["input"], [output])


def chain_graph(length: int = 100) -> Graph:
    """A linear chain of ``length`` element-wise nodes (Relu, Sigmoid alternating)."""
    b = _GraphBuilder("chain", (1, 8))
    x = "input"
    for i in range(length):
        x = b.add("Relu" if i % 2 == 0 else "Sigmoid", [x], (1, 8), f"act{i}")
    return b.build(x)


def residual_graph(blocks: int = 4, channels: int = 16, size: int = 32) -> Graph:
    """A small ResNet: stem, ``blocks`` basic blocks (two 3x3 convs + skip Add), pooling head.

    Every second block downsamples with a strided conv and a 1x1 projection on the skip path.
    """
    b = _GraphBuilder("resnet", (1, 3, size, size))
    x = b.add("Conv", ["input"], (1, channels, size, size), "stem.conv", kernel_shape=[3, 3], strides=[1, 1])
    x = b.add("BatchNormalization", [x], (1, channels, size, size), "stem.bn")
    x = b.add("Relu", [x], (1, channels, size, size), "stem.relu")
    x = b.add("MaxPool", [x], (1, channels, size // 2, size // 2), "stem.pool", kernel_shape=[2, 2], strides=[2, 2])
    size //= 2
    for i in range(blocks):
        down = i % 2 == 1
        c_out, s_out = (channels * 2, size // 2) if down else (channels, size)
        shape = (1, c_out, s_out, s_out)
        p = f"layer{i}"
        stride = [2, 2] if down else [1, 1]
        y = b.add("Conv", [x], shape, f"{p}.conv1", kernel_shape=[3, 3], strides=stride)
        y = b.add("BatchNormalization", [y], shape, f"{p}.bn1")
        y = b.add("Relu", [y], shape, f"{p}.relu1")
        y = b.add("Conv", [y], shape, f"{p}.conv2", kernel_shape=[3, 3], strides=[1, 1])
        y = b.add("BatchNormalization", [y], shape, f"{p}.bn2")
        skip = x
        if down:
            skip = b.add("Conv", [x], shape, f"{p}.downsample", kernel_shape=[1, 1], strides=[2, 2])
        x = b.add("Add", [y, skip], shape, f"{p}.add")
        x = b.add("Relu", [x], shape, f"{p}.relu2")
        channels, size = c_out, s_out
    x = b.add("GlobalAveragePool", [x], (1, channels, 1, 1), "head.pool")
    x = b.add("Flatten", [x], (1, channels), "head.flatten", axis=1)
    x = b.add("Gemm", [x], (1, 10), "head.fc")
    x = b.add("Softmax", [x], (1, 10), "head.softmax", axis=1)
    return b.build(x)


def dense_graph(target_nodes: int = 2000, blocks: int = 4, growth: int = 4) -> Graph:
    """A DenseNet-like graph of about ``target_nodes`` nodes: many Concats and skip edges.

    Each dense layer is ``BN, Relu, Conv1x1, BN, Relu, Conv3x3, Concat(all previous features of the block)``,
    so late layers of a block concatenate many inputs, each a long edge for the layout to route.
    """
    per_block = max(1, round((target_nodes - 5 - 4 * (blocks - 1)) / (7 * blocks)))
    b = _GraphBuilder("densenet", (1, 3, 8, 8))
    ch = 2 * growth
    x = b.add("Conv", ["input"], (1, ch, 8, 8), "stem", kernel_shape=[3, 3], strides=[1, 1])
    for blk in range(blocks):
        features = [x]
        for i in range(per_block):
            p = f"block{blk}.layer{i}"
            y = b.add("BatchNormalization", [x], (1, ch, 8, 8), f"{p}.bn1")
            y = b.add("Relu", [y], (1, ch, 8, 8), f"{p}.relu1")
            y = b.add("Conv", [y], (1, 4 * growth, 8, 8), f"{p}.conv1", kernel_shape=[1, 1])
            y = b.add("BatchNormalization", [y], (1, 4 * growth, 8, 8), f"{p}.bn2")
            y = b.add("Relu", [y], (1, 4 * growth, 8, 8), f"{p}.relu2")
            y = b.add("Conv", [y], (1, growth, 8, 8), f"{p}.conv2", kernel_shape=[3, 3])
            features.append(y)
            ch += growth
            x = b.add(
                "Concat",
                features[-6:] if len(features) > 6 else list(features),
                (1, ch, 8, 8),
                f"{p}.concat",
                axis=1,
            )
            features = [x] if len(features) > 6 else features
        if blk < blocks - 1:
            p = f"transition{blk}"
            x = b.add("BatchNormalization", [x], (1, ch, 8, 8), f"{p}.bn")
            x = b.add("Relu", [x], (1, ch, 8, 8), f"{p}.relu")
            ch //= 2
            x = b.add("Conv", [x], (1, ch, 8, 8), f"{p}.conv", kernel_shape=[1, 1])
            x = b.add("AveragePool", [x], (1, ch, 8, 8), f"{p}.pool", kernel_shape=[1, 1])
    x = b.add("GlobalAveragePool", [x], (1, ch, 1, 1), "head.pool")
    x = b.add("Flatten", [x], (1, ch), "head.flatten", axis=1)
    x = b.add("Gemm", [x], (1, 10), "head.fc")
    x = b.add("Softmax", [x], (1, 10), "head.softmax", axis=1)
    return b.build(x)
