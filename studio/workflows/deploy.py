"""The Deploy operation: ``tinyml-studio deploy`` and the GUI's Deploy button call :func:`deploy_job`.

A float model is lowered to int8 with default settings (per-channel 8-bit weights, min-max calibration on
the data set's training split) through :func:`studio.int8.lower.lower_module`; an ``.int8.npz`` file is
deployed as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_SAMPLES = 256


def int8_from_spec(spec: Any, data_spec: str | None, ctx: Any = None) -> Any:
    """The int8 model to deploy: read an ``.int8.npz``, or quantize the (float) model with defaults.

    Raises :class:`~studio.core.errors.StudioError` subclasses for unreadable models and data.
    """
    from studio.core.errors import DataError

    path = getattr(getattr(spec, "spec", spec), "path", None)
    if path is not None and str(path).endswith(".int8.npz"):
        from studio.int8.serialize import load_int8

        return load_int8(Path(path))
    from studio.data.datasets import load_dataset
    from studio.int8.lower import LoweringConfig, lower_module
    from studio.workflows.model_handle import as_handle

    if not data_spec:
        raise DataError("quantizing a float model for deploy needs calibration data: pass --data")
    loaded = as_handle(spec).load()
    if loaded.module is None:
        raise DataError(f"{loaded.display_name} has no torch module to quantize")
    train, _ = load_dataset(data_spec).split()
    train = train.adapted_to(loaded.input_shape)
    if ctx is not None:
        ctx.log(f"quantizing {loaded.display_name} to int8 on {min(len(train), CALIBRATION_SAMPLES)} samples")
    calib = train.subset(CALIBRATION_SAMPLES).x.astype(np.float32)
    name = Path(str(path)).stem if path is not None else "model"
    return lower_module(loaded.module, tuple(loaded.input_shape), calib, LoweringConfig(), name=name, ctx=None)


def validation_codes(model: Any, data_spec: str | None, input_shape: Any = None) -> tuple[Any, Any]:
    """``(x_codes, labels)`` of the validation split as the model's int8 input, or ``(None, None)``."""
    if not data_spec:
        return None, None
    from studio.data.datasets import load_dataset
    from studio.int8.reference import input_codes

    _, val = load_dataset(data_spec).split()
    spec = model.tensor(model.inputs[0])
    if len(spec.shape) == 3:
        h, w, c = spec.shape
        val = val.adapted_to((1, c, h, w))
    return input_codes(model, val.x.astype(np.float32)), np.asarray(val.y)


def deploy_job(
    ctx: Any,
    spec: Any,
    board_id: str,
    out_dir: str,
    data_spec: str | None = None,
    validate: int = 20,
    port: str | None = None,
    kernels: str = "fast",
) -> dict[str, Any]:
    """Job: quantize if needed, then build, flash, verify and validate on ``board_id`` with the ``kernels`` set
    (``fast``, or ``generic`` for the straightforward baseline); returns the result dict of
    :func:`studio.deploy.pipeline.deploy_int8` (JSON-able)."""
    from studio.deploy.board_registry import get_board
    from studio.deploy.codegen.kernel_sets import CodegenConfig
    from studio.deploy.pipeline import DeployRequest, deploy_int8

    board = get_board(board_id)
    CodegenConfig(kernels)  # an unknown kernel set fails now, not after quantizing
    model = int8_from_spec(spec, data_spec, ctx)
    x_codes, labels = validation_codes(model, data_spec)
    request = DeployRequest(board, Path(out_dir), validate, port, kernels=kernels)
    result = deploy_int8(model, request, x_codes, labels, ctx)
    result["data"] = data_spec
    return result
