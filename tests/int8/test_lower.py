"""Lowering float torch models to the int8 IR: accuracy on digits, every supported op, clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from studio.int8.float_graph import LoweringError, run_float_graph, trace_float_graph
from studio.int8.lower import LoweringConfig, lower_module
from studio.int8.reference import float_predictor, run_int8
from studio.int8.serialize import load_int8, save_int8


class _AllOps(nn.Module):
    """conv-bn-relu, depthwise-bn-relu6, pointwise, residual add + relu, concat, avg pool, flatten of 2x2, fc."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.act = nn.ReLU6()
        self.pw = nn.Conv2d(8, 8, 1)
        self.pool = nn.MaxPool2d(2, stride=1, padding=1)
        self.fc = nn.Linear(16 * 3 * 3, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.relu(self.bn1(self.conv1(x)))
        b = self.act(self.bn2(self.dw(a)))
        d = torch.relu(a + self.pw(b))
        e = F.avg_pool2d(torch.cat([d, a], dim=1), 2)
        return self.fc(torch.flatten(self.pool(e), 1))


def _randomised(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


def test_every_supported_op_lowers_and_tracks_float() -> None:
    torch.manual_seed(1)
    model = _randomised(_AllOps())
    x = np.random.default_rng(0).random((64, 3, 4, 4)).astype(np.float32)
    q = lower_module(model, (1, 3, 4, 4), x, name="allops")
    kinds = [type(op).kind for op in q.ops]
    assert kinds == ["conv2d", "conv2d", "conv2d", "add", "concat", "average_pool2d", "max_pool2d", "reshape",
                     "fully_connected"]  # fmt: skip
    assert q.ops[1].groups == 8 and q.ops[0].act_min == q.tensor(q.ops[0].output).zero_point  # ReLU fused
    relu6 = q.ops[1]
    out = q.tensor(relu6.output)
    assert relu6.act_max == min(127, out.zero_point + round(6.0 / out.scale))
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    got = float_predictor(q)(x)
    # a wrong NCHW -> NHWC permutation of the fc weights would give errors of the order of the outputs
    assert np.abs(got - ref).max() < 0.05 * np.abs(ref).max()
    assert q.metadata["layers"]["conv1"] == ["conv1", "bn1"]


def test_float_graph_equals_the_module() -> None:
    model = _randomised(_AllOps())
    graph = trace_float_graph(model, (1, 3, 4, 4))
    x = torch.rand(8, 3, 4, 4)
    with torch.no_grad():
        np.testing.assert_allclose(run_float_graph(graph, x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-5)
    assert "bn1" not in [op.name for op in graph.ops]  # folded


def test_demo_int8_accuracy_is_within_one_point_of_fp32(tmp_path: Path) -> None:
    from studio.analysis.evaluate import evaluate
    from studio.data.datasets import load_dataset
    from studio.runtime.executor import TorchExecutor
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import resolve_model_spec

    torch.set_num_threads(2)
    demo = ModelHandle(resolve_model_spec("demo")).load()
    train, val = load_dataset("digits").split()
    fp32 = evaluate(TorchExecutor(demo.module), val).accuracy
    q = lower_module(demo.module, demo.input_shape, train.subset(256).x, LoweringConfig(per_channel=True))
    int8 = evaluate(float_predictor(q), val).accuracy
    assert int8 >= fp32 - 0.01, (fp32, int8)
    assert q.weight_bytes < 0.3 * sum(p.numel() * 4 for p in demo.module.parameters())
    loaded = load_int8(save_int8(q, tmp_path / "demo.int8.npz"))
    x = q.tensor(q.inputs[0])
    codes = np.random.default_rng(0).integers(-128, 128, (4, *x.shape)).astype(np.int8)
    np.testing.assert_array_equal(run_int8(q, codes)["fc"], run_int8(loaded, codes)["fc"])


def test_resnet_block_lowers() -> None:
    from studio.zoo import registry

    torch.manual_seed(0)
    model = _randomised(registry.build("resnet20", num_classes=10))
    x = np.random.default_rng(0).random((8, 3, 8, 8)).astype(np.float32)
    q = lower_module(model, (1, 3, 8, 8), x)
    assert sum(type(op).kind == "add" for op in q.ops) == 9
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    got = float_predictor(q)(x)
    assert np.abs(got - ref).max() < 0.1 * np.abs(ref).max()


def test_unsupported_layer_is_named() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sigmoid(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).eval()
    with pytest.raises(LoweringError, match=r"layer 1 \(Sigmoid\)"):
        lower_module(model, (1, 1, 6, 6), np.zeros((2, 1, 6, 6), np.float32))


def test_batch_norm_that_cannot_fold_is_named() -> None:
    model = nn.Sequential(nn.BatchNorm2d(1), nn.Conv2d(1, 2, 3)).eval()
    with pytest.raises(LoweringError, match="batch norm 0"):
        trace_float_graph(model, (1, 1, 6, 6))


def test_flatten_into_something_but_linear_is_refused() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()).eval()
    with pytest.raises(LoweringError, match="NCHW and NHWC"):
        lower_module(model, (1, 1, 4, 4), np.zeros((2, 1, 4, 4), np.float32))


def test_lowering_does_not_change_the_model() -> None:
    model = _randomised(_AllOps())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    lower_module(model, (1, 3, 4, 4), np.random.default_rng(0).random((4, 3, 4, 4)).astype(np.float32))
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])


@pytest.mark.parametrize("which", ["allops", "resnet20"])
def test_exported_programs_lower_like_their_modules(which: str) -> None:
    from studio.zoo import registry

    torch.manual_seed(0)
    model = _randomised(_AllOps() if which == "allops" else registry.build("resnet20", num_classes=10))
    shape = (1, 3, 4, 4) if which == "allops" else (1, 3, 8, 8)
    program = torch.export.export(model, (torch.zeros(*shape),), strict=False).module()
    from_module = trace_float_graph(model, shape)
    from_program = trace_float_graph(program, shape)
    assert [op.kind for op in from_program.ops] == [op.kind for op in from_module.ops]
    weighted = [op.name for op in from_program.weighted_ops()]
    assert weighted == [op.name for op in from_module.weighted_ops()]  # layer names from the module stack
    x = torch.rand(4, *shape[1:])
    with torch.no_grad():
        np.testing.assert_allclose(run_float_graph(from_program, x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-5)
