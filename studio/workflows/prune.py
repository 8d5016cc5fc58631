"""Prune, fine-tune and compare: the core calls behind the Prune stage, ``tinyml-studio prune`` and the
"prune"/"finetune" recipe steps. Every function returns a new model and leaves its input untouched.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from studio.workflows.sensitivity import torch_module_of

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle


def example_input(model: LoadedModel) -> Any:
    """A zero batch of one at the model's input shape; raises StudioError when the shape is unknown."""
    import torch

    from studio.core.errors import StudioError

    if not model.input_shape:
        raise StudioError(f"{model.display_name}: the input shape is unknown; pass --input-shape")
    return torch.zeros(*model.input_shape)


def _derived(model: LoadedModel, module: Any) -> LoadedModel:
    from studio.workflows.model_handle import loaded_from_module

    name = model.path.stem if model.path else model.graph.name
    return loaded_from_module(module, model.input_shape, name=name, path=model.path, fmt="derived")


def prune_loaded(model: LoadedModel, params: dict[str, Any]) -> tuple[LoadedModel, dict[str, Any]]:
    """Apply the pruning described by recipe ``params`` (see :func:`~studio.optimize.prune.config.to_params`).

    Returns the new model and the :class:`PruneReport` as a dict. Raises StudioError for a bad config, a
    model without a torch module, or a method that cannot be applied.
    """
    from studio.optimize.prune.config import from_params
    from studio.optimize.prune.registry import prune_module

    config = from_params(params)
    pruned, report = prune_module(torch_module_of(model), config, example_input(model))
    derived = _derived(model, pruned)
    previous = dict(model.metadata.get("pruned_layers", {}))  # an earlier step's layers stay pruned
    _mark_pruned(derived, {**previous, **{la.name: la.sparsity for la in report.layers}})
    return derived, report.to_dict()


def _mark_pruned(model: LoadedModel, pruned_layers: dict[str, float]) -> None:
    """Record the pruned layers and their graph-view badges in ``model.metadata`` (the GUI, the replay of a
    reopened project and the CLI all derive models through here, so the badges come back with the steps)."""
    model.metadata["pruned_layers"] = dict(pruned_layers)
    model.metadata["node_marks"] = node_marks(model.graph, model.metadata["pruned_layers"])


def finetune_loaded(
    model: LoadedModel, data_spec: str, params: dict[str, Any], ctx: JobContext | None = None
) -> tuple[LoadedModel, dict[str, Any]]:
    """Fine-tune a copy on the training split of ``data_spec`` with zeros held; ``params`` are
    :class:`~studio.train.finetune.FinetuneConfig` fields. Returns the model and ``{"history", ...}``."""
    from studio.core.errors import StudioError
    from studio.data.datasets import load_dataset
    from studio.train.finetune import FinetuneConfig, finetune

    try:
        config = FinetuneConfig(**params)
    except TypeError as exc:
        raise StudioError(f"bad fine-tuning option: {exc}") from None
    train, val = load_dataset(data_spec).split()
    if model.input_shape:
        train, val = train.adapted_to(model.input_shape), val.adapted_to(model.input_shape)
    module = copy.deepcopy(torch_module_of(model))
    report = finetune(module, train, val, config, ctx)
    derived = _derived(model, module)
    _mark_pruned(derived, dict(model.metadata.get("pruned_layers", {})))
    return derived, {
        "history": report.history,
        "sparsity_before": report.sparsity_before,
        "sparsity_after": report.sparsity_after,
    }


def model_summary(model: LoadedModel) -> dict[str, Any]:
    """Parameters (nonzero and stored), weight bytes (dense and nonzero), MACs (dense, and with zero weights
    skipped) and the overall weight sparsity of the kernel layers."""
    from studio.analysis.profile import profile_graph
    from studio.optimize.prune.targets import kernel_layers

    module = torch_module_of(model)
    total = profile_graph(model.graph).total
    stored = sum(int(p.numel()) for p in module.parameters())
    nonzero = sum(int((p != 0).sum()) for p in module.parameters())
    kernels = kernel_layers(module)
    k_total = sum(int(module.get_submodule(n).weight.numel()) for n in kernels)
    k_zero = sum(int((module.get_submodule(n).weight == 0).sum()) for n in kernels)
    sparse_macs = _sparse_macs(model, module, kernels)
    return {
        "params": nonzero,
        "params_stored": stored,
        "size_bytes": int(total.weight_bytes - 4 * (stored - nonzero)),
        "size_bytes_dense": int(total.weight_bytes),
        "macs": int(total.macs),
        "sparse_macs": sparse_macs,
        "sparsity": k_zero / k_total if k_total else 0.0,
    }


def _sparse_macs(model: LoadedModel, module: Any, kernels: list[str]) -> int:
    from studio.analysis.profile import profile_graph
    from studio.optimize.prune.predict import model_costs

    profile = profile_graph(model.graph)
    costs = model_costs(profile, module, kernels)
    saved = 0.0
    for name, cost in costs.layers.items():
        weight = module.get_submodule(name).weight
        saved += cost.macs * float((weight == 0).sum()) / max(1, weight.numel())
    return round(profile.total.macs - saved)


def measure_latency_ms(model: LoadedModel, batch: int = 1, repeats: int = 30) -> float:
    """Fastest wall time (ms) of one forward pass at ``batch`` over ``repeats`` runs after warm-up."""
    import time

    import torch

    module = torch_module_of(model)
    x = torch.zeros(batch, *example_input(model).shape[1:])
    times = []
    with torch.no_grad():
        for i in range(repeats + 5):
            start = time.perf_counter()
            module(x)
            if i >= 5:
                times.append(time.perf_counter() - start)
    return 1000 * min(times)  # the least-disturbed run: robust when other processes share the CPU


def compare_loaded(
    before: LoadedModel,
    after: LoadedModel,
    data_spec: str | None,
    ctx: JobContext | None = None,
    repeats: int = 10,
) -> dict[str, Any]:
    """Before/after table: accuracy (when ``data_spec``), params, size, MACs and measured latency (batch 1 and
    32, measured alternately so machine load hits both alike)."""
    from studio.workflows.evaluate import evaluate_loaded

    rows: dict[str, dict[str, Any]] = {"before": model_summary(before), "after": model_summary(after)}
    if data_spec:
        rows["before"]["accuracy"] = evaluate_loaded(before, data_spec)["accuracy"]
        rows["after"]["accuracy"] = evaluate_loaded(after, data_spec)["accuracy"]
    for batch in (1, 32):
        samples: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(3):
            _check(ctx)
            samples["before"].append(measure_latency_ms(before, batch, repeats))
            samples["after"].append(measure_latency_ms(after, batch, repeats))
        for key in ("before", "after"):
            rows[key][f"latency_ms_batch{batch}"] = min(samples[key])
    return rows


def _check(ctx: Any) -> None:
    if ctx is not None and ctx.cancelled:
        ctx.check_cancelled()


# ------------------------------------------------------------------------------------------------ jobs
def module_to_bytes(module: Any) -> bytes:
    """A model for a process job's result. Why bytes: results cross the pipe with multiprocessing's pickler,
    which (once torch is imported) hands tensors over as shared memory that dies with the worker, so the
    parent gets "worker exited without sending a result". Plain pickle bytes carry the values themselves.
    This is the studio talking to its own worker, never a file from a user."""
    import pickle

    return pickle.dumps(module)


def module_from_bytes(data: bytes) -> Any:
    """Inverse of :func:`module_to_bytes` (only for bytes our own worker produced)."""
    import pickle

    return pickle.loads(data)


def prune_job(
    ctx: JobContext, target: ModelHandle, params: dict[str, Any], data_spec: str | None = None
) -> dict[str, Any]:
    """Process job: prune the current version; returns the pruned ``module``, its ``report`` and ``step``."""
    from studio.workflows.model_handle import as_handle

    ctx.progress(0, 2, "pruning")
    model = as_handle(target).load()
    pruned, report = prune_loaded(model, params)
    ctx.progress(1, 2, "checking the result")
    summary = {"before": model_summary(model), "after": model_summary(pruned)}
    ctx.progress(2, 2, "done")
    return {
        "module": module_to_bytes(pruned.module),
        "input_shape": pruned.input_shape,
        "report": report,
        "summary": summary,
        "step": {"kind": "prune", **params},
        "pruned_layers": pruned.metadata["pruned_layers"],
    }


def finetune_job(ctx: JobContext, target: ModelHandle, data_spec: str, params: dict[str, Any]) -> dict[str, Any]:
    """Process job: fine-tune the current version with its zeros held; live metrics go to the job log."""
    from studio.workflows.model_handle import as_handle

    handle = as_handle(target)
    model = handle.load()
    model.metadata["pruned_layers"] = _pruned_layers_of(torch_module_of(model))
    tuned, report = finetune_loaded(model, data_spec, params, ctx)
    return {
        "module": module_to_bytes(tuned.module),
        "input_shape": tuned.input_shape,
        "history": report["history"],
        "step": {"kind": "finetune", **params},
        "pruned_layers": tuned.metadata["pruned_layers"],
    }


def compare_job(ctx: JobContext, before: ModelHandle, after: ModelHandle, data_spec: str | None) -> dict[str, Any]:
    """Process job: :func:`compare_loaded` of two versions."""
    from studio.workflows.model_handle import as_handle

    return compare_loaded(as_handle(before).load(), as_handle(after).load(), data_spec, ctx)


def _pruned_layers_of(module: Any) -> dict[str, float]:
    from studio.optimize.prune.targets import kernel_layers

    out = {}
    for name in kernel_layers(module):
        weight = module.get_submodule(name).weight
        zeros = float((weight == 0).sum()) / max(1, weight.numel())
        if zeros > 0:
            out[name] = zeros
    return out


def kernel_sparsity(before: LoadedModel, after: LoadedModel) -> float:
    """Fraction of the original kernel weights (conv/linear) that ``after`` no longer has as nonzeros:
    zeroed by fine-grained or N:M pruning, or removed with their channels."""
    from studio.optimize.prune.targets import kernel_layers

    b, a = torch_module_of(before), torch_module_of(after)
    total = sum(int(b.get_submodule(n).weight.numel()) for n in kernel_layers(b))
    kept = sum(int((a.get_submodule(n).weight != 0).sum()) for n in kernel_layers(a))
    return 1.0 - kept / total if total else 0.0


def node_marks(graph: Any, pruned_layers: dict[str, float]) -> dict[str, str]:
    """Graph-view badges for pruned layers: IR node name -> "-50%" for every node of each pruned module."""
    marks = {}
    for node in graph.nodes:
        value = pruned_layers.get(node.module or "")
        if value:
            marks[node.name] = f"−{100 * value:.0f}%"
    return marks
