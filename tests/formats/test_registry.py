"""open_model's dispatch: readers chosen by content as well as extension, and every failure one line."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

from studio.core.errors import ModelLoadError
from studio.formats import registry
from studio.formats.base import LoadedModel
from tests.formats.tiny_models import INPUT_SHAPE, tiny_conv_net


class ExplodingReader:
    """A plugin reader with a bug: its open() raises something that is not a ModelLoadError."""

    name = "exploding"
    extensions = (".boom",)

    def match(self, path: Path) -> bool:
        return path.suffix == ".boom"

    def open(self, path: Path, **options: Any) -> LoadedModel:
        raise ValueError("internal\nbug")


class BrokenMatchReader:
    """A plugin reader whose match() itself raises; it must not hide the built-in readers."""

    name = "broken-match"
    extensions = (".onnx",)

    def match(self, path: Path) -> bool:
        raise RuntimeError("sniffing failed")

    def open(self, path: Path, **options: Any) -> LoadedModel:
        raise AssertionError("never called")


@pytest.fixture
def plugin_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_EXTRA_READERS", [])
    registry.register_reader(ExplodingReader())
    registry.register_reader(BrokenMatchReader())


def test_supported_extensions_cover_every_format() -> None:
    extensions = registry.supported_extensions()
    for ext in (".onnx", ".pt2", ".pt", ".pth", ".bin", ".py"):
        assert ext in extensions
    assert {r.name for r in registry.readers()} >= {
        "onnx",
        "torch.export",
        "torchscript",
        "state_dict",
        "python",
    }


def test_pt_holding_torchscript_goes_to_torchscript_reader(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.trace(tiny_conv_net(), torch.zeros(INPUT_SHAPE)), str(path))
    assert registry.reader_for(path).name == "torchscript"


def test_pt_holding_state_dict_goes_to_state_dict_reader(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save(tiny_conv_net().state_dict(), path)
    assert registry.reader_for(path).name == "state_dict"


def test_export_archive_with_pt_extension_goes_to_export_reader(tmp_path: Path) -> None:
    path = tmp_path / "program.pt"
    torch.export.save(torch.export.export(tiny_conv_net(), (torch.zeros(INPUT_SHAPE),)), path)
    assert registry.reader_for(path).name == "torch.export"


def test_unexpected_reader_exception_becomes_one_line(tmp_path: Path, plugin_readers: None) -> None:
    path = tmp_path / "x.boom"
    path.write_text("data")
    with pytest.raises(ModelLoadError, match=r"^could not read x.boom: internal bug$"):
        registry.open_model(path)


def test_broken_match_does_not_hide_builtins(tmp_path: Path, plugin_readers: None) -> None:
    path = tmp_path / "x.onnx"
    path.write_bytes(b"\x08\x07")  # a protobuf with only ir_version: no graph
    assert registry.reader_for(path).name == "onnx"
    with pytest.raises(ModelLoadError, match="no ONNX graph"):
        registry.open_model(path)


def test_plugin_reader_is_tried_first(plugin_readers: None) -> None:
    assert registry.readers()[0].name == "broken-match"
    assert ".boom" in registry.supported_extensions()
