"""Per-layer sparsities for a target: the "Allocate" button, ``prune --allocate`` and the NetAdapt search job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.workflows.sensitivity import torch_module_of

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle

#: The scan perturbation that predicts each pruning method.
PERTURBATION_FOR_METHOD = {"magnitude": "sparsity", "channel": "channels"}


def costs_of(model: LoadedModel, names: list[str], method: str = "magnitude") -> Any:
    """:class:`~studio.optimize.prune.predict.ModelCosts` of ``names`` in ``model``; for the channel method
    with the model's channel dependencies, so predictions count what the removed channels take along."""
    from studio.analysis.profile import profile_graph
    from studio.optimize.prune.predict import model_costs

    module = torch_module_of(model)
    costs = model_costs(profile_graph(model.graph), module, names)
    if method == "channel":
        costs = with_channel_structure(costs, model)
    return costs


def with_channel_structure(costs: Any, model: LoadedModel) -> Any:
    """``costs`` with ``channels`` set from ``model`` (left ``None`` when the dependencies cannot be found)."""
    import dataclasses

    from studio.optimize.prune.channel_costs import channel_structure
    from studio.workflows.prune import example_input

    return dataclasses.replace(costs, channels=channel_structure(torch_module_of(model), example_input(model)))


def channel_costs_job(ctx: JobContext, model: LoadedModel, costs: Any) -> Any:
    """Thread job: ``costs`` with the channel dependencies of ``model`` (the GUI's channel predictions).

    Torch-Pruning only traces the module, so the model of the current version is used as it is.
    """
    ctx.progress(0, 1, "following channel dependencies")
    result = with_channel_structure(costs, model)
    ctx.progress(1, 1, "done")
    return result


def allocate_loaded(
    model: LoadedModel,
    data_spec: str,
    method: str,
    kind: str,
    value: float,
    scan: dict[str, Any] | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Scan (unless ``scan`` is given) and allocate; returns ``{"sparsities", "params", "prediction", "scan"}``.

    ``params`` are the prune step's params (method and per-layer sparsities). Raises
    :class:`~studio.optimize.prune.allocate.AllocationError` when the target cannot be met.
    """
    from studio.analysis.sensitivity.result import ScanResult
    from studio.optimize.prune.allocate import AllocationTarget, allocate
    from studio.optimize.prune.predict import predict
    from studio.workflows.sensitivity import scan_loaded

    target = AllocationTarget(kind, float(value))
    if scan is None:
        scan = scan_loaded(model, data_spec, perturbation=PERTURBATION_FOR_METHOD.get(method, "sparsity"), ctx=ctx)
    result = ScanResult.from_dict(scan)
    costs = costs_of(model, result.names, method)
    sparsities = {n: round(v, 4) for n, v in allocate(result, costs, target, method=method).items()}
    return {
        "sparsities": sparsities,
        "params": {"method": method, "sparsities": sparsities},
        "prediction": predict(costs, sparsities, result, method).to_dict(),
        "scan": scan,
    }


def search_job(
    ctx: JobContext,
    target: ModelHandle,
    data_spec: str,
    sparsity: float,
    step: float = 0.05,
    max_samples: int = 500,
) -> dict[str, Any]:
    """Process job: the NetAdapt-style search (:mod:`studio.optimize.prune.search`) to ``sparsity`` overall."""
    from studio.optimize.prune.search import SearchConfig, netadapt_search
    from studio.optimize.prune.targets import kernel_layers
    from studio.workflows.model_handle import as_handle
    from studio.workflows.sensitivity import validation_subset

    model = as_handle(target).load()
    module = torch_module_of(model)
    data = validation_subset(data_spec, model.input_shape, max_samples)
    costs = costs_of(model, kernel_layers(module))
    result = netadapt_search(module, data, costs, SearchConfig(sparsity=sparsity, step=step), ctx)
    sparsities = {n: round(v, 4) for n, v in result["sparsities"].items()}
    return {**result, "sparsities": sparsities, "params": {"method": "magnitude", "sparsities": sparsities}}


def allocate_job(
    ctx: JobContext, scan: dict[str, Any], costs: Any, kind: str, value: float, method: str = "magnitude"
) -> dict[str, float]:
    """Thread job: per-layer sparsities for a target from an existing scan (the GUI's "Allocate")."""
    from studio.analysis.sensitivity.result import ScanResult
    from studio.optimize.prune.allocate import AllocationTarget, allocate

    ctx.progress(0, 1, "allocating")
    result = allocate(ScanResult.from_dict(scan), costs, AllocationTarget(kind, float(value)), method=method)
    ctx.progress(1, 1, "done")
    return {n: round(v, 4) for n, v in result.items()}
