"""The "Scan" job and ``tinyml-studio sensitivity``: per-layer curves of the current model on a data subset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.data.datasets import Dataset
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import ModelSpec

DEFAULT_SCAN_SAMPLES = 1000


def validation_subset(data_spec: str, input_shape: Any, max_samples: int = DEFAULT_SCAN_SAMPLES) -> Dataset:
    """The validation split of ``data_spec`` (the seeded one evaluation uses), fitted to the model's input and
    cut to ``max_samples``. Raises :class:`~studio.core.errors.DataError` when it cannot fit the model."""
    from studio.data.datasets import load_dataset

    _, val = load_dataset(data_spec).split()
    if input_shape:
        val = val.adapted_to(input_shape)
    return val.subset(max_samples) if max_samples and max_samples > 0 else val


def torch_module_of(model: LoadedModel) -> Any:
    """The model's torch module; raises :class:`StudioError` for a model that has none (plain ONNX)."""
    if model.module is None:
        raise StudioError(
            f"{model.display_name} has no torch module ({model.format}); sensitivity and pruning need one: "
            "open the .pt2, TorchScript or state_dict version of the model"
        )
    return model.module


def scan_loaded(
    model: LoadedModel,
    data_spec: str,
    *,
    levels: tuple[float, ...] | None = None,
    perturbation: str = "sparsity",
    layers: list[str] | None = None,
    max_samples: int = DEFAULT_SCAN_SAMPLES,
    method: str = "auto",
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Scan an open model; returns :meth:`ScanResult.to_dict` (``layers``: name, levels, accuracy, loss).

    Raises :class:`StudioError` for a model without a torch module, a bad level, or data that does not fit.
    """
    from studio.analysis.sensitivity.perturbation import make_perturbation
    from studio.analysis.sensitivity.scan import DEFAULT_LEVELS, ScanConfig, scan_sensitivity

    module = torch_module_of(model)
    data = validation_subset(data_spec, model.input_shape, max_samples)
    if ctx is not None:
        ctx.log(f"scanning on {len(data)} samples of {data_spec}")
    config = ScanConfig(levels=tuple(levels) if levels else DEFAULT_LEVELS, method=method)
    result = scan_sensitivity(module, data, make_perturbation(perturbation), layers, config, ctx)
    out = result.to_dict()
    out["data"] = data_spec
    return out


def sensitivity_job(ctx: JobContext, target: ModelSpec | ModelHandle, data_spec: str, **options: Any) -> dict[str, Any]:
    """Process-runner job: open the model (or the derived version) in the worker and scan it."""
    from studio.workflows.model_handle import as_handle

    model = as_handle(target).load()
    return scan_loaded(model, data_spec, ctx=ctx, **options)


def weight_stats_job(ctx: JobContext, target: ModelSpec | ModelHandle) -> list[dict[str, Any]]:
    """Thread job: weight statistics and histograms of every kernel layer (no data needed)."""
    from studio.analysis.sensitivity.weights import weight_stats
    from studio.workflows.model_handle import as_handle

    module = torch_module_of(as_handle(target).load())
    return [s.to_dict() for s in weight_stats(module)]
