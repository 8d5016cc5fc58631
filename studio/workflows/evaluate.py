"""Accuracy of a model on a data set: the "Evaluate" job and ``tinyml-studio evaluate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.workflows.model_spec import ModelSpec

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle


def evaluate_loaded(model: LoadedModel, data_spec: str, ctx: JobContext | None = None) -> dict[str, Any]:
    """Evaluate an already-open model on the validation split of ``data_spec``.

    The split is the same seeded one the demo was trained against, so the number matches the recorded accuracy.
    Raises :class:`studio.core.errors.DataError` when the data does not fit the model.
    """
    from studio.analysis.evaluate import evaluate
    from studio.data.datasets import load_dataset
    from studio.runtime.executor import make_executor

    if ctx is not None:
        ctx.log(f"loading data set {data_spec}")
    dataset = load_dataset(data_spec)
    _, val = dataset.split()
    if model.input_shape:
        val = val.adapted_to(model.input_shape)
    predict = make_executor(model)
    result = evaluate(predict, val, ctx=ctx)
    return {
        "accuracy": float(result.accuracy),
        "loss": float(result.loss),
        "samples": int(result.samples),
        "data": data_spec,
    }


def evaluate_job(ctx: JobContext, spec: ModelSpec | ModelHandle, data_spec: str) -> dict[str, Any]:
    """Process-runner job: reopen the model (or re-trace a derived one) in the worker, then evaluate it."""
    from studio.workflows.model_handle import as_handle

    handle = as_handle(spec)
    ctx.log(f"opening {handle.spec.path}{' (derived version)' if handle.is_derived else ''}")
    return evaluate_loaded(handle.load(), data_spec, ctx)
