"""Write a model the studio holds to a file other tools (and the studio) can open: ONNX or torch.export.

Why only these two: both are safe to open (no pickled code) and both keep a changed architecture, which a
pruned model has; a bare state_dict would not.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel

SAVE_SUFFIXES = (".onnx", ".pt2")


def save_model(model: LoadedModel, path: Path) -> Path:
    """Save ``model`` to ``path`` (``.onnx`` or ``.pt2``, chosen by the suffix); returns the path.

    The file is written next to its destination and renamed into place, so a failed export leaves no
    half-written model. Raises :class:`StudioError` for an unknown suffix, a model with no torch module or an
    export failure.
    """
    import torch

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise StudioError(f"cannot save as {suffix or 'a file without suffix'}: use {' or '.join(SAVE_SUFFIXES)}")
    if model.module is None:
        if suffix == ".onnx" and model.onnx_bytes:
            from studio.core.atomic_write import write_bytes_atomic

            write_bytes_atomic(path, model.onnx_bytes)
            return path
        raise StudioError(f"{model.display_name} has no torch module to export")
    if model.input_shape is None:
        raise StudioError(f"{model.display_name}: the input shape is unknown, so it cannot be exported")
    module = model.module.eval()
    example = (torch.zeros(*model.input_shape),)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".saving-") as tmp:
        staged = Path(tmp) / path.name
        try:
            if suffix == ".pt2":
                torch.export.save(torch.export.export(module, example), staged)
            else:
                torch.onnx.export(
                    module,
                    example,
                    str(staged),
                    input_names=["input"],
                    output_names=["output"],
                    dynamo=True,
                    external_data=False,
                    verbose=False,
                )
        except Exception as exc:  # the exporters raise many types; the user needs the one line
            raise StudioError(
                f"export of {model.display_name} to {suffix} failed: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}"
            ) from None
        staged.replace(path)
    return path
