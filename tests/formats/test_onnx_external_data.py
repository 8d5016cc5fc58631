"""External data: read when it lies next to the model, refused before reading when it points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import ModelLoadError, UnsafeModelError
from studio.formats.registry import open_model
from tests.formats import onnx_builders

WEIGHT = np.arange(12, dtype=np.float32).reshape(3, 4)


def _write_model(folder: Path, location: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    path.write_bytes(onnx_builders.external_data_model(location).SerializeToString())
    return path


def test_valid_external_data_is_loaded(tmp_path: Path) -> None:
    path = _write_model(tmp_path / "m", "weights.bin")
    (tmp_path / "m" / "weights.bin").write_bytes(WEIGHT.tobytes())
    model = open_model(path)
    np.testing.assert_array_equal(model.graph.node("fc").params["weight"], WEIGHT)
    assert model.path == path


def test_external_data_in_subfolder_is_allowed(tmp_path: Path) -> None:
    path = _write_model(tmp_path / "m", "data/weights.bin")
    (tmp_path / "m" / "data").mkdir()
    (tmp_path / "m" / "data" / "weights.bin").write_bytes(WEIGHT.tobytes())
    np.testing.assert_array_equal(open_model(path).graph.node("fc").params["weight"], WEIGHT)


def test_missing_external_file_is_a_clear_error(tmp_path: Path) -> None:
    path = _write_model(tmp_path / "m", "weights.bin")
    with pytest.raises(ModelLoadError, match=r"external data file 'weights.bin' .* is missing"):
        open_model(path)


def test_escaping_with_dotdot_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(WEIGHT.tobytes())
    path = _write_model(tmp_path / "m", "../secret.bin")
    with pytest.raises(UnsafeModelError, match="outside the model's folder"):
        open_model(path)


def test_absolute_location_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.bin"
    secret.write_bytes(WEIGHT.tobytes())
    path = _write_model(tmp_path / "m", str(secret))
    with pytest.raises(UnsafeModelError, match="absolute path"):
        open_model(path)


def test_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.bin"
    secret.write_bytes(WEIGHT.tobytes())
    path = _write_model(tmp_path / "m", "weights.bin")
    os.symlink(secret, tmp_path / "m" / "weights.bin")
    with pytest.raises(UnsafeModelError, match="outside the model's folder"):
        open_model(path)


def test_refusal_happens_before_any_read(tmp_path: Path) -> None:
    # A location naming a FIFO would block forever if anything tried to read it; refusal must come first.
    fifo = tmp_path / "fifo.bin"
    os.mkfifo(fifo)
    path = _write_model(tmp_path / "m", "../fifo.bin")
    with pytest.raises(UnsafeModelError):
        open_model(path)
