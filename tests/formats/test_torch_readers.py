"""Round trips of a tiny conv net through every torch format: .pt2, TorchScript, state_dict, Python file."""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.core.errors import ModelLoadError
from studio.formats.registry import open_model
from studio.zoo import registry as zoo
from tests.formats.tiny_models import INPUT_SHAPE, TinyConvNet, tiny_conv_net

ARCH = "tiny_conv_net_for_format_tests"


def _ops(model) -> list[str]:
    return [n.op for n in model.graph.nodes]


def _linear_node(model):
    return next(n for n in model.graph.nodes if n.op in ("Gemm", "MatMul"))


def _assert_tiny_conv_graph(model) -> None:
    ops = _ops(model)
    assert "Conv" in ops and "Relu" in ops and ("Gemm" in ops or "MatMul" in ops)
    conv = next(n for n in model.graph.nodes if n.op == "Conv")
    assert conv.params["weight"].shape == (4, 1, 3, 3)
    assert model.graph.tensor(conv.outputs[0]).known_shape == (1, 4, 6, 6)
    linear = _linear_node(model)
    assert linear.params["weight"].shape == (3, 144)
    assert model.graph.tensor(linear.outputs[0]).known_shape == (1, 3)
    assert model.input_shape == INPUT_SHAPE


def _assert_runs_like_reference(model) -> None:
    x = torch.randn(INPUT_SHAPE)
    with torch.no_grad():
        np.testing.assert_allclose(model.module(x).numpy(), tiny_conv_net()(x).numpy(), rtol=1e-5, atol=1e-5)


def _save_torchscript(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.trace(tiny_conv_net(), torch.zeros(INPUT_SHAPE)), str(path))


@pytest.fixture
def tiny_arch(monkeypatch: pytest.MonkeyPatch) -> str:
    zoo.names()  # load the built-ins first, so the test entry is added on top of them
    entry = zoo.ZooEntry(ARCH, TinyConvNet, INPUT_SHAPE[1:], "format tests' tiny conv net")
    monkeypatch.setitem(zoo._ENTRIES, ARCH, entry)
    return ARCH


def test_torchscript_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.pt"
    _save_torchscript(path)
    model = open_model(path, input_shape=INPUT_SHAPE)
    assert model.format == "torchscript" and model.path == path
    _assert_tiny_conv_graph(model)
    assert "BatchNormalization" in _ops(model)  # kept, not fused into the conv
    assert next(n for n in model.graph.nodes if n.op == "Conv").module == "features.0"
    assert _linear_node(model).module == "fc"
    _assert_runs_like_reference(model)


def test_torchscript_without_shape_says_which_option(tmp_path: Path) -> None:
    path = tmp_path / "tiny.ts"
    _save_torchscript(path)
    with pytest.raises(ModelLoadError, match="input_shape"):
        open_model(path)


def test_torchscript_shape_inferred_from_first_linear(tmp_path: Path) -> None:
    path = tmp_path / "mlp.pt"
    net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 2)).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.trace(net, torch.zeros(1, 5)), str(path))
    model = open_model(path)
    assert model.input_shape == (1, 5)
    assert [n.params["weight"].shape for n in model.graph.nodes if n.op == "Gemm"] == [(7, 5), (2, 7)]


def test_pt2_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.pt2"
    torch.export.save(torch.export.export(tiny_conv_net(), (torch.zeros(INPUT_SHAPE),)), path)
    model = open_model(path)
    assert model.format == "pt2"
    _assert_tiny_conv_graph(model)
    _assert_runs_like_reference(model)


def test_state_dict_with_arch_option(tmp_path: Path, tiny_arch: str) -> None:
    path = tmp_path / "weights.pt"
    torch.save(tiny_conv_net().state_dict(), path)
    model = open_model(path, arch=tiny_arch)
    assert model.format == "state_dict" and model.metadata["arch_source"] == "option"
    _assert_tiny_conv_graph(model)
    _assert_runs_like_reference(model)


def test_state_dict_with_sidecar(tmp_path: Path, tiny_arch: str) -> None:
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": tiny_conv_net().state_dict(), "epoch": 3}, path)
    (tmp_path / "weights.arch.json").write_text(json.dumps({"arch": tiny_arch, "kwargs": {"classes": 3}}))
    model = open_model(path)
    assert model.metadata["arch_source"] == "sidecar"
    _assert_runs_like_reference(model)


def test_state_dict_matched_against_zoo(tmp_path: Path, tiny_arch: str) -> None:
    path = tmp_path / "weights.bin"
    torch.save(tiny_conv_net().state_dict(), path)
    model = open_model(path)
    assert model.metadata == {"arch": tiny_arch, "arch_kwargs": {}, "arch_source": "matched"}


def test_state_dict_mismatch_names_first_bad_key(tmp_path: Path, tiny_arch: str) -> None:
    path = tmp_path / "weights.pt"
    state = tiny_conv_net().state_dict()
    state["fc.weight"] = torch.zeros(5, 144)
    torch.save(state, path)
    with pytest.raises(ModelLoadError, match=r"'fc.weight' has shape \[5, 144\]"):
        open_model(path, arch=tiny_arch)


def test_state_dict_without_architecture_explains(tmp_path: Path) -> None:
    path = tmp_path / "orphan.pt"
    torch.save({"odd.weight": torch.zeros(3, 3, 3)}, path)
    with pytest.raises(ModelLoadError, match=r"option arch.*orphan.arch.json"):
        open_model(path)


PY_BUILDER = """
    import torch
    from torch import nn

    INPUT_SHAPE = (1, 1, 8, 8)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
            self.fc = nn.Linear(144, 3)

        def forward(self, x):
            return self.fc(torch.flatten(self.features(x), 1))

    def build_model():
        torch.manual_seed(0)
        return Net()
"""


def test_python_file_with_build_model(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    path.write_text(textwrap.dedent(PY_BUILDER))
    model = open_model(path)
    assert model.format == "python" and model.metadata["found_by"] == "build_model()"
    _assert_tiny_conv_graph(model)
    _assert_runs_like_reference(model)


def test_python_file_single_class_and_example_input(tmp_path: Path) -> None:
    path = tmp_path / "mlp.py"
    path.write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn

            class Helper(nn.Module):
                def __init__(self, width):
                    super().__init__()
                    self.fc = nn.Linear(width, width)

            class MLP(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(6, 2)

                def forward(self, x):
                    return torch.relu(self.fc(x))

            def example_input():
                return torch.zeros(1, 6)
            """
        )
    )
    model = open_model(path)
    assert model.metadata["found_by"] == "MLP" and model.input_shape == (1, 6)
    assert _linear_node(model).params["weight"].shape == (2, 6)


def test_python_file_error_points_at_user_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import torch\n\n\ndef build_model():\n    return 1 / 0\n")
    with pytest.raises(ModelLoadError, match=r"^error in broken.py:5: ZeroDivisionError: division by zero$"):
        open_model(path)


def test_python_file_syntax_error_points_at_user_line(tmp_path: Path) -> None:
    path = tmp_path / "syntax.py"
    path.write_text("x = 1\ndef build_model(:\n    pass\n")
    with pytest.raises(ModelLoadError, match=r"^error in syntax.py:2: SyntaxError"):
        open_model(path)


def test_python_file_without_input_shape_says_how(tmp_path: Path) -> None:
    path = tmp_path / "noshape.py"
    path.write_text(textwrap.dedent(PY_BUILDER).replace("INPUT_SHAPE = (1, 1, 8, 8)", ""))
    with pytest.raises(ModelLoadError, match="INPUT_SHAPE"):
        open_model(path)
