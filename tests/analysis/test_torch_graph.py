"""torch -> graph IR: op names, attributes, params by role, module paths, names, residual and concat."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from studio.core.errors import ModelLoadError
from studio.formats.torch_graph import graph_from_exported_program, graph_from_module
from tests.analysis.small_nets import ResidualConcatNet, SmallConvNet, small_input


def test_small_net_ops_attrs_and_params() -> None:
    graph = graph_from_module(SmallConvNet(), small_input(), "small")
    assert [n.op for n in graph.nodes] == [
        "Conv",
        "BatchNormalization",
        "Relu",
        "MaxPool",
        "Conv",
        "Flatten",
        "Gemm",
    ]
    conv = graph.node("conv")
    assert conv.module == "conv"
    assert conv.attrs == {
        "kernel_shape": [3, 3],
        "strides": [1, 1],
        "pads": [1, 1, 1, 1],
        "dilations": [1, 1],
        "group": 1,
    }
    assert set(conv.params) == {"weight", "bias"} and conv.inputs == ["x"]
    assert graph.node("dw").attrs["group"] == 8
    assert set(graph.node("bn").params) == {"scale", "bias", "mean", "var"}
    fc = graph.node("fc")
    assert fc.params["weight"].shape == (10, 128)
    assert graph.tensor(fc.outputs[0]).shape == (1, 10)
    pool = graph.node("pool")
    assert pool.attrs["kernel_shape"] == [2, 2] and pool.attrs["strides"] == [2, 2]
    assert graph.inputs == ["x"] and graph.outputs == fc.outputs


def test_residual_add_concat_and_shared_relu() -> None:
    graph = graph_from_module(ResidualConcatNet(), small_input(), "res")
    names = [n.name for n in graph.nodes]
    assert len(names) == len(set(names))
    add = next(n for n in graph.nodes if n.op == "Add")
    # The add reads conv2's output and the skip connection (the first relu's output).
    assert add.inputs == [graph.node("conv2").outputs[0], graph.node("relu").outputs[0]]
    relus = [n for n in graph.nodes if n.op == "Relu"]
    assert [r.name for r in relus] == ["relu", "relu_1", "relu_2"]  # one shared module, three calls
    assert {r.module for r in relus} == {"relu"}
    cat = next(n for n in graph.nodes if n.op == "Concat")
    assert cat.attrs["axis"] == 1
    assert cat.inputs == [relus[2].outputs[0], graph.node("branch").outputs[0]]
    assert graph.tensor(cat.outputs[0]).shape == (1, 12, 8, 8)
    assert graph.node("head.0").op == "GlobalAveragePool"
    assert graph.node("head.2").op == "Gemm"


def test_decomposed_core_aten_program_gives_the_same_structure() -> None:
    module = SmallConvNet().eval()
    program = torch.export.export(module, (small_input(),), strict=False).run_decompositions()
    graph = graph_from_exported_program(program, "core")
    ops = [n.op for n in graph.nodes]
    assert ops[:5] == ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv"]
    gemm = graph.node("fc")
    assert gemm.op == "Gemm"  # addmm over a transposed weight becomes Gemm with a (out, in) weight
    assert gemm.params["weight"].shape == (10, 128)
    assert (gemm.params["weight"] == module.fc.weight.detach().numpy()).all()
    assert graph.param_count == graph_from_module(module, small_input(), "pre").param_count


def test_unknown_op_keeps_its_aten_name() -> None:
    class Gelu(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.silu(x) * 2

    graph = graph_from_module(Gelu(), torch.zeros(1, 4), "g")
    assert graph.nodes[0].op == "aten.silu"
    assert graph.nodes[1].op == "Mul" and graph.nodes[1].attrs["scalar"] == 2


def test_relu6_and_dropout() -> None:
    module = nn.Sequential(nn.Linear(4, 4), nn.ReLU6(inplace=True), nn.Dropout(0.5), nn.Linear(4, 2))
    graph = graph_from_module(module, torch.zeros(1, 4), "seq")
    assert [n.op for n in graph.nodes] == ["Gemm", "Clip", "Gemm"]  # dropout (eval) is dropped
    assert graph.node("1").attrs == {"min": 0.0, "max": 6.0}
    assert graph.node("3").inputs == graph.node("1").outputs


def test_export_failure_is_a_one_line_model_load_error() -> None:
    class DataDependent(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.nonzero().float().sum(0) if x.sum() > 0 else x

    with pytest.raises(ModelLoadError) as info:
        graph_from_module(DataDependent(), torch.ones(1, 3), "bad")
    assert "\n" not in str(info.value) and str(info.value).startswith("bad:")
