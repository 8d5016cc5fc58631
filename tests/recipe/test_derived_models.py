"""Derived model versions: undoable in the session, runnable in a worker through a ModelHandle, savable."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.errors import StudioError
from studio.formats.registry import open_model
from studio.workflows.model_handle import ModelHandle, as_handle, loaded_from_module
from studio.workflows.model_spec import ModelSpec
from studio.workflows.open_model import open_and_profile
from studio.workflows.save_model import save_model
from studio.workflows.session import StudioSession


@pytest.fixture
def tiny_state_dict(tmp_path: Path) -> Path:
    import torch

    from studio.zoo import registry

    module = registry.get("lenet").build()
    path = tmp_path / "lenet.pt"
    torch.save(module.state_dict(), path)
    return path


def _halve_last_layer(model):  # type: ignore[no-untyped-def]
    import copy

    import torch

    module = copy.deepcopy(model.module)
    last = [m for m in module.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(0.5)
    return loaded_from_module(module, model.input_shape, name="lenet")


def test_derive_is_undoable_and_records_steps(tiny_state_dict: Path) -> None:
    session = StudioSession()
    session.open_model(open_and_profile(ModelSpec(tiny_state_dict, {"arch": "lenet"})))
    original = session.opened
    derived = _halve_last_layer(original.model)
    session.derive(derived, "Halve the classifier", {"kind": "scale", "factor": 0.5})
    assert session.version.steps == ({"kind": "scale", "factor": 0.5},)
    assert session.opened.model is derived
    handle = session.handle()
    assert handle.is_derived and handle.steps == ({"kind": "scale", "factor": 0.5},)
    session.undo_stack.undo()
    assert session.opened is original
    assert session.version.steps == ()
    assert not session.handle().is_derived


def test_handle_reloads_the_file_or_the_derived_module(tiny_state_dict: Path) -> None:
    import pickle

    spec = ModelSpec(tiny_state_dict, {"arch": "lenet"})
    plain = as_handle(spec).load()
    derived = _halve_last_layer(plain)
    handle = ModelHandle(spec, module=derived.module, input_shape=derived.input_shape)
    # The process runner pickles job arguments: a derived handle must survive that.
    again = pickle.loads(pickle.dumps(handle)).load()
    assert again.format == "derived"
    assert [n.op for n in again.graph.nodes] == [n.op for n in plain.graph.nodes]


@pytest.mark.parametrize("suffix", [".onnx", ".pt2"])
def test_saved_model_reopens_with_the_same_graph(tiny_state_dict: Path, tmp_path: Path, suffix: str) -> None:
    model = open_model(tiny_state_dict, arch="lenet")
    out = save_model(model, tmp_path / f"saved{suffix}")
    reopened = open_model(out)
    ops = [n.op for n in reopened.graph.nodes if n.op in ("Conv", "Gemm")]
    assert ops == [n.op for n in model.graph.nodes if n.op in ("Conv", "Gemm")]
    assert not list(tmp_path.glob(".saving-*"))


def test_save_refuses_unknown_suffix(tiny_state_dict: Path, tmp_path: Path) -> None:
    with pytest.raises(StudioError, match=r"use \.onnx or \.pt2"):
        save_model(open_model(tiny_state_dict, arch="lenet"), tmp_path / "x.h5")
