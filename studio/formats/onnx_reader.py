"""The ONNX reader: ``.onnx`` files (with external data kept next to them) -> :class:`LoadedModel`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.errors import ModelLoadError
from studio.formats.base import LoadedModel
from studio.formats.onnx_graph import graph_from_onnx
from studio.formats.onnx_safety import load_onnx_bytes, load_onnx_file

if TYPE_CHECKING:
    import onnx


def _activation_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    initializers = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in initializers]


def _pin_input_shapes(model: onnx.ModelProto, input_shape: tuple[int, ...] | None) -> list[str]:
    """Give the inputs concrete batch sizes so shape inference yields concrete shapes everywhere.

    ``input_shape`` (the user's option) replaces the first input's shape; otherwise a symbolic or missing
    leading dimension of any input of rank >= 2 becomes 1. Returns the names of the inputs changed.
    """
    changed: list[str] = []
    for position, value in enumerate(_activation_inputs(model)):
        if value.type.WhichOneof("value") != "tensor_type":
            continue
        shape = value.type.tensor_type.shape
        if position == 0 and input_shape is not None:
            del shape.dim[:]
            for size in input_shape:
                shape.dim.add().dim_value = int(size)
            changed.append(value.name)
        elif len(shape.dim) >= 2 and not shape.dim[0].HasField("dim_value"):
            shape.dim[0].Clear()
            shape.dim[0].dim_value = 1
            changed.append(value.name)
    return changed


def _infer_shapes(model: onnx.ModelProto) -> tuple[onnx.ModelProto, str]:
    """Shape-inferred model and a status word; falls back to the model as is when inference fails."""
    import onnx

    try:
        return onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True), "ok"
    except Exception as err:  # inference is a nicety: an unknown op or a >2 GB model must not stop the load
        return model, f"failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}"


def loaded_model_from_onnx(
    model: onnx.ModelProto,
    name: str,
    *,
    path: Path | None,
    input_shape: tuple[int, ...] | None = None,
    fmt: str = "onnx",
) -> LoadedModel:
    """Shape-infer ``model`` and convert it to a :class:`LoadedModel` (``module=None``).

    ``path`` is kept so the runtime can hand the file to onnxruntime; when it is ``None`` the serialized model
    is kept in ``onnx_bytes`` instead.
    """
    pinned = _pin_input_shapes(model, tuple(input_shape) if input_shape else None)
    inferred, status = _infer_shapes(model)
    graph = graph_from_onnx(inferred, name)
    graph.metadata["shape_inference"] = status
    if pinned:
        graph.metadata["pinned_inputs"] = pinned
    first = graph.tensor(graph.inputs[0]).known_shape if graph.inputs else None
    return LoadedModel(
        path=path,
        format=fmt,
        graph=graph,
        input_shape=first,
        module=None,
        onnx_bytes=None if path is not None else model.SerializeToString(),
        metadata={"opset": graph.metadata.get("opset"), "producer": graph.metadata.get("producer")},
    )


class OnnxReader:
    """ONNX protobuf files. External data must lie in the model's folder (see :mod:`onnx_safety`)."""

    name = "onnx"
    extensions = (".onnx",)

    def match(self, path: Path) -> bool:
        """True for ``.onnx`` files (ONNX has no magic bytes, so the extension decides)."""
        return path.suffix.lower() in self.extensions

    def open(self, path: Path, **options: Any) -> LoadedModel:
        """Read ``path``; option ``input_shape`` overrides the first input's shape (batch included).

        Raises :class:`ModelLoadError` or :class:`UnsafeModelError` with a one-line reason.
        """
        model = load_onnx_file(path)
        shape = options.get("input_shape")
        if shape is not None and not all(isinstance(d, int) and d > 0 for d in shape):
            raise ModelLoadError(f"input_shape must be positive integers, got {shape!r}")
        return loaded_model_from_onnx(model, path.stem, path=path, input_shape=shape)


def open_onnx_bytes(data: bytes, name: str, **options: Any) -> LoadedModel:
    """Convert an in-memory ONNX model (no external data) to a :class:`LoadedModel` with ``onnx_bytes``."""
    return loaded_model_from_onnx(load_onnx_bytes(data, name), name, path=None, input_shape=options.get("input_shape"))
