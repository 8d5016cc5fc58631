"""Every bad input, for every format: one-line ModelLoadError, and pickles never executed."""

from __future__ import annotations

import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from studio.core.errors import ModelLoadError, UnsafeModelError
from studio.formats.registry import open_model
from tests.formats import onnx_builders
from tests.formats.tiny_models import INPUT_SHAPE, WritesMarker, tiny_conv_net

EXTENSIONS = [".onnx", ".pt2", ".pt", ".pth", ".bin", ".py"]


def _onnx(path: Path) -> None:
    onnx_builders.save(onnx_builders.conv_bn_model(), path)


def _pt2(path: Path) -> None:
    program = torch.export.export(tiny_conv_net(), (torch.zeros(INPUT_SHAPE),))
    torch.export.save(program, path)


def _torchscript(path: Path) -> None:
    torch.jit.save(torch.jit.trace(tiny_conv_net(), torch.zeros(INPUT_SHAPE)), str(path))


def _state_dict(path: Path) -> None:
    torch.save(tiny_conv_net().state_dict(), path)


WRITERS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "onnx": (".onnx", _onnx),
    "pt2": (".pt2", _pt2),
    "torchscript": (".pt", _torchscript),
    "state_dict": (".pt", _state_dict),
}


def _assert_one_line_error(path: Path, error: type[ModelLoadError] = ModelLoadError) -> str:
    with pytest.raises(error) as info:
        open_model(path)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_empty_file(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    assert "empty" in _assert_one_line_error(path)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_random_bytes(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"random{ext}"
    path.write_bytes(os.urandom(4096))
    _assert_one_line_error(path)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_random_bytes_starting_like_a_pickle(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"junk{ext}"
    path.write_bytes(b"\x80\x04" + bytes(range(256)) * 4)
    _assert_one_line_error(path)


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_truncated_file(tmp_path: Path, kind: str) -> None:
    ext, write = WRITERS[kind]
    path = tmp_path / f"model{ext}"
    write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _assert_one_line_error(path)


@pytest.mark.parametrize("ext", [".onnx", ".pt2", ".pt", ".pth", ".bin", ".ckpt"])
def test_malicious_pickle_is_never_executed(tmp_path: Path, ext: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{ext}"
    path.write_bytes(pickle.dumps(WritesMarker(str(marker))))
    expected = UnsafeModelError if ext in (".pt", ".pth", ".bin", ".ckpt") else ModelLoadError
    message = _assert_one_line_error(path, expected)
    assert not marker.exists()
    if expected is UnsafeModelError:
        assert "state_dict" in message


def test_malicious_object_saved_with_torch_save_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"weight": torch.zeros(2), "payload": WritesMarker(str(marker))}, path)
    assert "never unpickles" in _assert_one_line_error(path, UnsafeModelError)
    assert not marker.exists()


def test_full_pickled_module_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "whole_model.pth"
    torch.save(tiny_conv_net(), path)
    message = _assert_one_line_error(path, UnsafeModelError)
    assert "torch.save(model.state_dict(), path)" in message


def _replace_member(archive_path: Path, suffix: str, data: bytes) -> None:
    with zipfile.ZipFile(archive_path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    target = next(name for name in members if name.endswith(suffix))
    members[target] = data
    with zipfile.ZipFile(archive_path, "w") as out:
        for name, content in members.items():
            out.writestr(name, content)


def test_pt2_with_malicious_sample_inputs_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt2"
    _pt2(path)
    evil = tmp_path / "evil_inputs.pt"
    torch.save(WritesMarker(str(marker)), evil)
    _replace_member(path, "data/sample_inputs/model.pt", evil.read_bytes())
    assert "pickled Python object" in _assert_one_line_error(path, UnsafeModelError)
    assert not marker.exists()


def test_pt2_with_native_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "aoti.pt2"
    _pt2(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("aoti/data/aotinductor/model/model.so", b"\x7fELF")
    assert "native code" in _assert_one_line_error(path, UnsafeModelError)


def test_torchscript_with_python_pickle_constants_does_not_run_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    _torchscript(path)
    _replace_member(path, "constants.pkl", pickle.dumps(WritesMarker(str(marker))))
    _assert_one_line_error(path)
    assert not marker.exists()


def test_onnx_without_graph(tmp_path: Path) -> None:
    from onnx import ModelProto

    path = tmp_path / "nograph.onnx"
    path.write_bytes(ModelProto(ir_version=8, producer_name="x").SerializeToString())
    assert "no ONNX graph" in _assert_one_line_error(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    message = _assert_one_line_error(path)
    assert "unsupported file type .txt" in message and ".onnx" in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in _assert_one_line_error(tmp_path / "absent.onnx")
    folder = tmp_path / "folder.onnx"
    folder.mkdir()
    assert "is a folder" in _assert_one_line_error(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.onnx"
    _onnx(path)
    path.chmod(0)
    assert "permission denied" in _assert_one_line_error(path)
