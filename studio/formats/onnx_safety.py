"""Safe loading of ONNX protobufs: parse first, check every external-data path, only then read the data.

Why not plain ``onnx.load``: an ONNX file names its external weight files itself, so a hostile model could
point ``location`` at ``/etc/shadow`` or ``../../secrets`` and have the studio read (and later show or export)
them.
We parse the protobuf without external data, refuse any location that is absolute or resolves outside the
model's folder (``..`` or a symlink leading out), and then let onnx read the checked files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.errors import ModelLoadError, UnsafeModelError

if TYPE_CHECKING:
    import onnx


def _external_location(tensor: onnx.TensorProto) -> str | None:
    for entry in tensor.external_data:
        if entry.key == "location":
            return entry.value
    return None


def external_data_files(model: onnx.ModelProto, base_dir: Path) -> list[Path]:
    """The resolved files the model's external-data tensors point at, each checked to lie inside ``base_dir``.

    Raises :class:`UnsafeModelError` for an absolute location or one that escapes ``base_dir`` (through ``..``
    or a symlink), and :class:`ModelLoadError` when a referenced file does not exist.
    """
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    root = base_dir.resolve()
    files: list[Path] = []
    for tensor in _get_all_tensors(model):
        if not uses_external_data(tensor):
            continue
        location = _external_location(tensor)
        if not location:
            raise ModelLoadError(f"tensor {tensor.name!r} uses external data but names no file")
        if os.path.isabs(location) or Path(location).is_absolute() or location.startswith(("/", "\\")):
            raise UnsafeModelError(
                f"refused: tensor {tensor.name!r} points at absolute path {location!r}; "
                "external data must lie next to the model"
            )
        target = (root / location).resolve()
        if not target.is_relative_to(root):
            raise UnsafeModelError(
                f"refused: tensor {tensor.name!r} points at {location!r}, outside the model's folder"
            )
        if not target.is_file():
            raise ModelLoadError(f"external data file {location!r} (for tensor {tensor.name!r}) is missing")
        files.append(target)
    return files


def _parse(data: bytes, what: str) -> onnx.ModelProto:
    import onnx
    from google.protobuf.message import Error as ProtobufError

    if not data:
        raise ModelLoadError(f"{what} is empty (0 bytes)")
    try:
        model = onnx.load_model_from_string(data)
    except (ProtobufError, RuntimeError, ValueError) as err:
        raise ModelLoadError(f"{what} is not a valid ONNX file (corrupt or truncated protobuf)") from err
    # A protobuf parser accepts many byte strings as an "empty" message; a real model has a graph with nodes
    # or at least outputs.
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        raise ModelLoadError(f"{what} holds no ONNX graph (empty, truncated or not an ONNX model)")
    return model


def load_onnx_file(path: Path) -> onnx.ModelProto:
    """Parse ``path`` and load its external data after checking every location.

    Returns the ``ModelProto`` with all tensors in memory. Raises :class:`ModelLoadError` (corrupt, empty, no
    graph, missing external file) or :class:`UnsafeModelError` (external data outside the model's folder).
    """
    from onnx.external_data_helper import load_external_data_for_model

    try:
        data = path.read_bytes()
    except OSError as err:
        raise ModelLoadError(f"cannot read {path.name}: {err.strerror or err}") from err
    model = _parse(data, path.name)
    if external_data_files(model, path.parent):
        try:
            load_external_data_for_model(model, str(path.parent))
        except (OSError, ValueError) as err:
            raise ModelLoadError(f"cannot read external data of {path.name}: {err}") from err
    return model


def load_onnx_bytes(data: bytes, what: str = "model") -> onnx.ModelProto:
    """Parse an in-memory ONNX model; external data is refused since there is no folder to read it from."""
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    model = _parse(data, what)
    if any(uses_external_data(t) for t in _get_all_tensors(model)):
        raise ModelLoadError(f"{what} refers to external data files, which an in-memory model cannot have")
    return model
