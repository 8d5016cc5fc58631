"""The int8 file (``.int8.npz``): a numpy archive of plain arrays plus one JSON header, loaded without pickle.

Layout (format version 1)::

    __header__      uint8 array: UTF-8 JSON
                    {"format": "tinyml-studio-int8", "version": 1, "name": str,
                     "inputs": [str], "outputs": [str], "metadata": {...},
                     "tensors": [{"name", "shape", "scale", "zero_point"}],
                     "ops": [{"kind", "name", "inputs", "output", <scalar and tuple fields>}]}
    op<i>.<field>   one array per array field of op i (weights int8, bias/multiplier/shift int32,
                    weight_scale float64), e.g. ``op0.weights``

Readers must ignore header keys and arrays they do not know (later versions only add). The file is written
atomically.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from studio.int8.ir import FORMAT_NAME, FORMAT_VERSION, OP_TYPES, Int8Model, Int8ModelError, TensorSpec

HEADER_KEY = "__header__"
SUFFIX = ".int8.npz"
_BASE_FIELDS = ("name", "inputs", "output")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def to_bytes(model: Int8Model) -> bytes:
    """The model as the bytes of an ``.int8.npz`` file."""
    arrays: dict[str, np.ndarray] = {}
    ops = []
    for i, op in enumerate(model.ops):
        entry: dict[str, Any] = {"kind": type(op).kind}
        for f in fields(op):
            value = getattr(op, f.name)
            if f.name in type(op).ARRAYS:
                arrays[f"op{i}.{f.name}"] = np.ascontiguousarray(value)
            else:
                entry[f.name] = _jsonable(value)
        ops.append(entry)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": model.name,
        "inputs": list(model.inputs),
        "outputs": list(model.outputs),
        "metadata": model.metadata,
        "tensors": [
            {"name": t.name, "shape": list(t.shape), "scale": float(t.scale), "zero_point": int(t.zero_point)}
            for t in model.tensors
        ],
        "ops": ops,
    }
    arrays[HEADER_KEY] = np.frombuffer(json.dumps(header, indent=1).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_int8(model: Int8Model, path: Path) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path. Raises ``OSError`` if it cannot be written."""
    from studio.core.atomic_write import write_bytes_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, to_bytes(model))
    return path


def _op_from(entry: dict[str, Any], arrays: dict[str, np.ndarray], index: int) -> Any:
    kind = entry.get("kind")
    cls = OP_TYPES.get(str(kind))
    if cls is None:
        raise Int8ModelError(f"op {index}: unknown kind {kind!r} (known: {', '.join(OP_TYPES)})")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in cls.ARRAYS:
            key = f"op{index}.{f.name}"
            if key not in arrays:
                raise Int8ModelError(f"op {index} ({kind}): array {f.name} is missing")
            stored = arrays[key]
            if stored.dtype != np.dtype(cls.ARRAYS[f.name]):
                raise Int8ModelError(f"op {index} ({kind}): {f.name} is {stored.dtype.name}, not the format's dtype")
            kwargs[f.name] = stored
        elif f.name in entry:
            value = entry[f.name]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
        elif f.name in _BASE_FIELDS:
            raise Int8ModelError(f"op {index} ({kind}): field {f.name} is missing")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise Int8ModelError(f"op {index} ({kind}): {exc}") from None


def from_bytes(data: bytes, source: str = "int8 model") -> Int8Model:
    """Parse an ``.int8.npz`` file's bytes; raises :class:`Int8ModelError` with a one-line reason."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise Int8ModelError(f"{source}: not a readable .npz archive ({exc})") from None
    if HEADER_KEY not in arrays:
        raise Int8ModelError(f"{source}: no {HEADER_KEY} entry: not a TinyML Studio int8 model")
    try:
        header = json.loads(arrays[HEADER_KEY].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Int8ModelError(f"{source}: the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise Int8ModelError(f"{source}: not a TinyML Studio int8 model")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise Int8ModelError(f"{source}: int8 format version {version} is newer than this studio ({FORMAT_VERSION})")
    try:
        tensors = tuple(
            TensorSpec(str(t["name"]), tuple(int(d) for d in t["shape"]), float(t["scale"]), int(t["zero_point"]))
            for t in header["tensors"]
        )
        ops = tuple(_op_from(entry, arrays, i) for i, entry in enumerate(header["ops"]))
        return Int8Model(
            name=str(header.get("name", "model")),
            tensors=tensors,
            ops=ops,
            inputs=tuple(header["inputs"]),
            outputs=tuple(header["outputs"]),
            metadata=header.get("metadata") or {},
        )
    except (KeyError, TypeError) as exc:
        raise Int8ModelError(f"{source}: malformed header ({type(exc).__name__}: {exc})") from None


def load_int8(path: Path) -> Int8Model:
    """Read an ``.int8.npz`` file; raises :class:`Int8ModelError` (missing, corrupt, inconsistent)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Int8ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    return from_bytes(data, path.name)
