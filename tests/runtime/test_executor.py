"""make_executor: the torch path and the onnxruntime path give the same outputs for the same model."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from studio.core.errors import StudioError
from studio.formats.base import LoadedModel
from studio.formats.torch_graph import graph_from_exported_program, graph_from_module
from studio.runtime.executor import OnnxExecutor, make_executor


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3)).eval()


def _batch(n: int = 5) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((n, 3, 6, 6)).astype(np.float32)


def test_torch_and_onnx_agree_and_fixed_batch_is_split() -> None:
    from studio.formats.onnx_reader import open_onnx_bytes

    module = _net()
    x = torch.zeros(1, 3, 6, 6)
    torch_model = LoadedModel(None, "torch", graph_from_module(module, x, "n"), (1, 3, 6, 6), module)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buffer, dynamo=False, input_names=["x"])  # batch fixed at 1
    onnx_model = open_onnx_bytes(buffer.getvalue(), "n")
    run_torch, run_onnx = make_executor(torch_model), make_executor(onnx_model)
    assert isinstance(run_onnx, OnnxExecutor) and run_onnx.fixed_batch == 1
    out_torch, out_onnx = run_torch(_batch()), run_onnx(_batch())
    assert out_torch.shape == out_onnx.shape == (5, 3)
    np.testing.assert_allclose(out_torch, out_onnx, atol=1e-5)
    expected = module(torch.from_numpy(_batch())).detach().numpy()
    np.testing.assert_allclose(out_torch, expected, atol=1e-6)


def test_exported_module_with_batch_guard_runs_sample_by_sample() -> None:
    module = _net()
    program = torch.export.export(module, (torch.zeros(1, 3, 6, 6),), strict=False)
    model = LoadedModel(None, "pt2", graph_from_exported_program(program, "n"), (1, 3, 6, 6), program.module())
    out = make_executor(model)(_batch())
    np.testing.assert_allclose(out, module(torch.from_numpy(_batch())).detach().numpy(), atol=1e-6)


def test_nothing_to_run_is_a_studio_error() -> None:
    graph = graph_from_module(_net(), torch.zeros(1, 3, 6, 6), "n")
    with pytest.raises(StudioError):
        make_executor(LoadedModel(None, "onnx", graph))
