"""Per-layer latency measured on this machine: the "Measure latency" job and ``tinyml-studio latency``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.workflows.model_spec import ModelSpec

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.workflows.model_handle import ModelHandle


def latency_job(ctx: JobContext, spec: ModelSpec | ModelHandle, repeats: int = 20) -> dict[str, float]:
    """Reopen the model in the worker and time every layer; returns ms per IR node name and ``__total__``.

    Runs in a subprocess so timing is not disturbed by the GUI thread and a crash in a native kernel cannot
    take the window down.
    """
    from studio.analysis.latency import measure_layer_latency
    from studio.workflows.model_handle import as_handle

    handle = as_handle(spec)
    ctx.log(f"opening {handle.spec.path}{' (derived version)' if handle.is_derived else ''}")
    return measure_layer_latency(handle.load(), repeats=repeats, ctx=ctx)
