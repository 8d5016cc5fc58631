"""Quantize the current model: the "Quantize" stage's jobs, the ``quantize`` recipe steps and
``tinyml-studio quantize`` all call :func:`quantize_loaded`.

A quantized model is a :class:`~studio.optimize.quantize.sim_model.QuantSimModel` wrapped as a derived
:class:`~studio.formats.base.LoadedModel`; :func:`export_quantized` writes it as the studio's int8 file
(``.int8.npz``, for deploy), as QDQ ONNX that onnxruntime runs in int8, or as ``.pt2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle

INT8_SUFFIX = ".int8.npz"


@dataclass
class QuantizeResult:
    """The quantized ``model`` (derived), the recipe ``step`` that made it, and a JSON-able ``report``."""

    model: LoadedModel
    step: dict[str, Any]
    report: dict[str, Any]


def prepare_data(data_spec: str, input_shape: tuple[int, ...], calibration_samples: int = 256, seed: int = 0) -> Any:
    """:class:`~studio.optimize.quantize.methods.QuantData` from a data set spec: the seeded train/val split
    (the one the demo was trained on), adapted to the model's input. Raises :class:`DataError`."""
    from studio.data.datasets import load_dataset
    from studio.optimize.quantize.methods import QuantData

    train, val = load_dataset(data_spec).split()
    train, val = train.adapted_to(input_shape), val.adapted_to(input_shape)
    return QuantData(train, val, train.subset(calibration_samples, seed=seed).x)


def fp32_weight_bytes(module: Any) -> int:
    """Bytes of a model's weights as stored: its own count for a quantized model, else 4 per parameter."""
    from studio.optimize.quantize.sim_model import QuantSimModel

    if isinstance(module, QuantSimModel):
        return module.storage_bytes()
    return 4 * sum(int(p.numel()) for p in module.parameters())


def _accuracy(module: Any, val: Any, ctx: Any) -> float:
    from studio.analysis.evaluate import evaluate
    from studio.runtime.executor import TorchExecutor

    return float(evaluate(TorchExecutor(module), val, ctx=ctx).accuracy)


def quantize_module(
    module: Any, input_shape: tuple[int, ...], params: dict[str, Any], data: Any, name: str = "model", ctx: Any = None
) -> Any:
    """Apply the method of ``params`` to ``module`` (not modified); returns a new ``QuantSimModel``."""
    from studio.optimize.quantize.methods import parse_params

    method, config = parse_params(params)
    return method.apply(module, input_shape, config, data, name, ctx)


def quantize_loaded(
    model: LoadedModel, data_spec: str, params: dict[str, Any], ctx: JobContext | None = None, *, measure: bool = True
) -> QuantizeResult:
    """Quantize ``model`` with ``params`` (``method`` + config fields) using ``data_spec``.

    With ``measure`` the report holds ``accuracy_before``/``accuracy_after`` on the validation split and
    ``size_before``/``size_after`` (weight bytes as stored). Raises :class:`StudioError` for a model without
    a torch module, bad parameters, unusable data or a layer that cannot be quantized.
    """
    from studio.optimize.quantize.methods import parse_params
    from studio.workflows.model_handle import loaded_from_module

    if model.module is None or model.input_shape is None:
        raise StudioError(
            f"{model.display_name}: quantization needs a torch model (a state_dict with its architecture, the zoo, "
            "a .py file or the demo); this one has no torch module"
        )
    method, config = parse_params(params)
    samples = int(getattr(config, "calibration_samples", 256))
    data = prepare_data(data_spec, model.input_shape, samples, int(getattr(config, "seed", 0)))
    name = model.path.stem if model.path else model.graph.name
    report: dict[str, Any] = {"method": method.name, "description": method.describe(config), "data": data_spec}
    if measure:
        report["accuracy_before"] = _accuracy(model.module, data.val, None)
        report["size_before"] = fp32_weight_bytes(model.module)
    if ctx is not None:
        ctx.log(report["description"])
    sim = quantize_module(model.module, model.input_shape, {"method": method.name, **config.to_dict()}, data, name,
                          ctx)  # fmt: skip
    if measure:
        from studio.optimize.quantize.analysis import quantization_analysis

        report["accuracy_after"] = _accuracy(sim, data.val, None)
        report["size_after"] = sim.storage_bytes()
        report["layers"] = sim.layer_table()
        report["analysis"] = quantization_analysis(model.module, sim, model.input_shape, data.calibration[:128])
    step = {"kind": "quantize", "method": method.name, **_non_default(config)}
    steps = (*model.metadata.get("steps", ()), step)
    loaded = loaded_from_module(sim, model.input_shape, name=name, path=model.path, steps=steps)
    loaded.metadata["quantization"] = report
    return QuantizeResult(loaded, step, report)


def _non_default(config: Any) -> dict[str, Any]:
    defaults = type(config)().to_dict()
    return {k: v for k, v in config.to_dict().items() if v != defaults[k]}


def quantize_job(ctx: JobContext, handle: ModelHandle, data_spec: str, params: dict[str, Any]) -> dict[str, Any]:
    """Process-runner job: quantize the handle's model; returns ``{"model_bytes", "step", "report"}``.

    Why the model travels as plain pickle bytes: the runner's pipe pickles torch tensors by sharing memory
    with the worker, which is gone once it has sent its result. These bytes are the studio's own worker
    talking to the studio (as :class:`ModelHandle` does the other way), never a file from a user; read
    them back with :func:`model_from_job`.
    """
    import pickle

    from studio.workflows.model_handle import as_handle

    result = quantize_loaded(as_handle(handle).load(), data_spec, params, ctx)
    return {"model_bytes": pickle.dumps(result.model), "step": result.step, "report": result.report}


def model_from_job(result: dict[str, Any]) -> LoadedModel:
    """The quantized model of a :func:`quantize_job` result."""
    import pickle

    return pickle.loads(result["model_bytes"])  # bytes from the studio's own worker, see above


def int8_model_of(model: LoadedModel, data_spec: str | None = None) -> Any:
    """The :class:`~studio.int8.ir.Int8Model` of a quantized (or float) model.

    A model without activation grids (float, or k-means) is calibrated first (min-max on ``data_spec``'s
    training images). Raises :class:`StudioError` when that needs data and none is given.
    """
    from studio.optimize.quantize.config import LinearQuantConfig
    from studio.optimize.quantize.ptq import calibrate, linear_quantize
    from studio.optimize.quantize.sim_model import QuantSimModel

    module = model.module
    name = model.path.stem if model.path else model.graph.name
    if isinstance(module, QuantSimModel) and module.act_qparams is not None:
        return module.to_int8(name)
    if not data_spec:
        raise StudioError(f"{model.display_name}: writing int8 needs calibration data: pass --data")
    data = prepare_data(data_spec, model.input_shape)
    if isinstance(module, QuantSimModel):
        import copy

        sim = copy.deepcopy(module)
        calibrate(sim, data.calibration, LinearQuantConfig())
    else:
        sim = linear_quantize(module, model.input_shape, data.calibration, LinearQuantConfig(), name)
    return sim.to_int8(name)


OUTPUT_SUFFIXES = (INT8_SUFFIX, ".onnx", ".tflite", ".pt2")


def check_output_path(path: str | Path | None) -> None:
    """Raise :class:`StudioError` before any work when ``path`` has a suffix :func:`export_quantized` can't write."""
    if path is not None and not str(path).lower().endswith(OUTPUT_SUFFIXES):
        raise StudioError(f"cannot write a quantized model as {Path(path).name}: use {', '.join(OUTPUT_SUFFIXES)}")


def export_quantized(model: LoadedModel, path: Path, data_spec: str | None = None) -> Path:
    """Write ``model`` to ``path``: ``.int8.npz`` (the studio's int8 format), ``.onnx`` (QDQ, int8 in
    onnxruntime), ``.tflite`` (int8, for TFLite Micro and TFLite) or ``.pt2`` (the fake-quantized torch model).
    Returns the path; raises :class:`StudioError` (a ``.tflite`` refusal names the layer TFLite can't express)."""
    check_output_path(path)
    path = Path(path)
    name = path.name.lower()
    if name.endswith(INT8_SUFFIX):
        from studio.int8.serialize import save_int8

        return save_int8(int8_model_of(model, data_spec), path)
    if name.endswith(".onnx"):
        from studio.int8.onnx_export import save_int8_onnx

        return save_int8_onnx(int8_model_of(model, data_spec), path)
    if name.endswith(".tflite"):
        from studio.core.atomic_write import write_bytes_atomic
        from studio.deploy.tflite_export import to_tflite

        return write_bytes_atomic(path, to_tflite(int8_model_of(model, data_spec)))
    from studio.workflows.save_model import save_model

    return save_model(model, path)
