"""The TorchScript reader: ``torch.jit.save`` archives -> graph via an in-memory ONNX export.

Why ONNX: a ScriptModule has no ``torch.export`` path, but the legacy TorchScript-based ONNX exporter takes
it directly, and the ONNX reader already produces the IR. We keep the ScriptModule as ``module`` (it runs,
and its weights are those of the graph). Loading TorchScript runs TorchScript code, not Python, and its
pickles are read by TorchScript's restricted unpickler, so this is not arbitrary code execution.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from studio.core.errors import ModelLoadError
from studio.formats.base import LoadedModel
from studio.formats.onnx_reader import open_onnx_bytes
from studio.formats.torch_archive import archive_kind


def infer_input_shape(module: Any) -> tuple[int, ...] | None:
    """A plausible input shape from the first conv or linear weight (batch 1), or ``None`` if there is none.

    A first ``Conv2d`` weight (out, in, kh, kw) gives ``(1, in, 32, 32)``; a first ``Linear`` weight (out, in)
    gives ``(1, in)``. Conv1d gives ``(1, in, 64)``. A guess: the user can always pass ``input_shape``.
    """
    for _, tensor in module.state_dict().items():
        if tensor.ndim == 4:
            return (1, int(tensor.shape[1]), 32, 32)
        if tensor.ndim == 3:
            return (1, int(tensor.shape[1]), 64)
        if tensor.ndim == 2:
            return (1, int(tensor.shape[1]))
    return None


def error_reason(err: BaseException) -> str:
    """One informative line from a torch error (TorchScript puts the real cause on its last line)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    return lines[-1] if "following operation failed" in lines[0] and len(lines) > 1 else lines[0]


def module_path_from_onnx_name(node_name: str, module_names: set[str]) -> str | None:
    """Module path for a legacy-exporter node name (``/features/0/Conv``, ``/layer1/layer1.0/conv1/Conv``)."""
    segments = [s for s in node_name.split("/") if s][:-1]
    qualified = ""
    for segment in segments:
        if qualified and segment.startswith(qualified + "."):
            qualified = segment
        else:
            qualified = f"{qualified}.{segment}" if qualified else segment
    return qualified if qualified in module_names else None


def export_script_module_to_onnx(module: Any, input_shape: tuple[int, ...]) -> bytes:
    """Serialized ONNX of ``module`` for an input of ``input_shape`` (legacy exporter, BN kept as an op)."""
    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The legacy exporter is deprecated but is the only one that takes a ScriptModule.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (torch.zeros(input_shape),),
            buffer,
            dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=True,
            input_names=["input"],
            output_names=["output"],
        )
    return buffer.getvalue()


def load_script_module(path: Path) -> Any:
    """``torch.jit.load`` on CPU, in eval mode; raises :class:`ModelLoadError` for a broken archive."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except Exception as err:
            first = error_reason(err)
            raise ModelLoadError(f"{path.name} is not a readable TorchScript archive: {first}") from err
    return module.eval()


class TorchScriptReader:
    """``torch.jit.save`` archives, whatever their extension (detected by the zip's members)."""

    name = "torchscript"
    extensions = (".pt", ".pth", ".ts", ".torchscript", ".jit")

    def match(self, path: Path) -> bool:
        """True for a zip holding TorchScript code/constants (any extension)."""
        return archive_kind(path) == "torchscript"

    def open(self, path: Path, **options: Any) -> LoadedModel:
        """Load the ScriptModule and build its graph; option ``input_shape`` (batch included) is needed when
        the first layer's weight does not tell it.
        """
        module = load_script_module(path)
        shape = options.get("input_shape")
        inferred = False
        if shape is None:
            shape = infer_input_shape(module)
            inferred = True
        if shape is None:
            raise ModelLoadError(
                f"cannot tell the input shape of {path.name}: pass the option input_shape, "
                "e.g. input_shape=(1, 3, 32, 32)"
            )
        shape = tuple(int(d) for d in shape)
        try:
            data = export_script_module_to_onnx(module, shape)
        except Exception as err:
            hint = " (the shape was guessed; pass the option input_shape)" if inferred else ""
            first = error_reason(err)
            raise ModelLoadError(f"cannot trace {path.name} with input {shape}{hint}: {first}") from err
        loaded = open_onnx_bytes(data, path.stem)
        names = {name for name, _ in module.named_modules() if name}
        for node in loaded.graph.nodes:
            node.module = module_path_from_onnx_name(node.name, names)
        loaded.path = path
        loaded.format = "torchscript"
        loaded.module = module
        loaded.input_shape = shape
        loaded.metadata["input_shape_guessed"] = inferred
        return loaded
