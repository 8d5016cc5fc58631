"""MACs and parameters per layer against hand arithmetic, zoo figures, and ONNX-reader parity."""

from __future__ import annotations

import io
import warnings

import pytest
import torch

from studio.analysis.profile import profile_graph
from studio.formats.torch_graph import graph_from_module
from tests.analysis.small_nets import ResidualConcatNet, SmallConvNet, small_input


def test_small_conv_net_by_hand() -> None:
    profile = profile_graph(graph_from_module(SmallConvNet(), small_input(), "small"))
    rows = {layer.name: layer for layer in profile.layers}
    # conv 3->8, 3x3, pad 1 on 8x8: 8*8*8 = 512 outputs, each 3*3*3 = 27 MACs; params 8*27 + 8.
    assert rows["conv"].macs == 512 * 27 == 13_824
    assert rows["conv"].params == 8 * 27 + 8 == 224
    # BN: 0 MACs (folded); learnable scale + bias = 16; stored bytes add mean + var: 4 * 8 floats.
    assert rows["bn"].macs == 0 and rows["bn"].params == 16 and rows["bn"].weight_bytes == 4 * 8 * 4
    # depthwise 3x3 on 8x4x4: 128 outputs, each 1*3*3 = 9 MACs; 8 * 9 weights, no bias.
    assert rows["dw"].macs == 128 * 9 == 1_152 and rows["dw"].params == 72
    # linear 128 -> 10: 10 outputs * 128 inputs; params 1280 + 10.
    assert rows["fc"].macs == 1_280 and rows["fc"].params == 1_290
    assert rows["pool"].macs == 0 and rows["relu"].macs == 0
    assert profile.total.macs == 13_824 + 1_152 + 1_280
    assert profile.total.params == 224 + 16 + 72 + 1_290
    assert rows["conv"].activation_bytes == 512 * 4 and rows["conv"].output_shape == (1, 8, 8, 8)
    assert len(profile.layers) == 7  # every node is a row


def test_with_latency_and_to_dict() -> None:
    profile = profile_graph(graph_from_module(SmallConvNet(), small_input(), "small"))
    timed = profile.with_latency({"conv": 0.5, "fc": 0.25, "__total__": 1.0})
    assert timed.layer("conv").latency_ms == 0.5 and timed.layer("bn").latency_ms is None
    assert timed.total.latency_ms == 1.0 and profile.total.latency_ms is None
    summed = profile.with_latency({"conv": 0.5, "fc": 0.25})
    assert summed.total.latency_ms == pytest.approx(0.75)
    data = timed.to_dict()
    assert data["layers"][0]["output_shape"] == [1, 8, 8, 8]
    assert data["total"]["macs"] == profile.total.macs and data["total"]["latency_ms"] == 1.0


def test_resnet18_macs() -> None:
    from studio.zoo import registry

    profile = profile_graph(graph_from_module(registry.build("resnet18"), torch.zeros(1, 3, 224, 224), "r18"))
    assert profile.total.macs == pytest.approx(1.82e9, rel=0.03)
    assert profile.total.params == 11_689_512


def test_resnet50_params_and_macs() -> None:
    from studio.zoo import registry

    profile = profile_graph(graph_from_module(registry.build("resnet50"), torch.zeros(1, 3, 224, 224), "r50"))
    assert profile.total.params == pytest.approx(25.56e6, rel=0.001)
    assert profile.total.macs == pytest.approx(4.1e9, rel=0.03)


def test_onnx_reader_parity() -> None:
    from studio.formats.onnx_reader import open_onnx_bytes

    module = ResidualConcatNet().eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (small_input(),), buffer, dynamo=False, input_names=["x"])
    onnx_profile = profile_graph(open_onnx_bytes(buffer.getvalue(), "res").graph)
    torch_profile = profile_graph(graph_from_module(module, small_input(), "res"))
    assert onnx_profile.total.params == torch_profile.total.params
    assert onnx_profile.total.macs == torch_profile.total.macs > 0
    assert onnx_profile.total.peak_activation_bytes == torch_profile.total.peak_activation_bytes


def test_mobilenetv2_depthwise_macs() -> None:
    from studio.zoo import registry

    graph = graph_from_module(registry.build("mobilenetv2"), torch.zeros(1, 3, 224, 224), "mbv2")
    profile = profile_graph(graph)
    # Published: 3.5M parameters, ~300M MACs at 224x224.
    assert profile.total.params == pytest.approx(3.5e6, rel=0.01)
    assert profile.total.macs == pytest.approx(300e6, rel=0.03)
    depthwise = [n for n in graph.nodes if n.op == "Conv" and n.attrs["group"] > 1]
    assert depthwise and all(n.attrs["group"] == n.params["weight"].shape[0] for n in depthwise)
