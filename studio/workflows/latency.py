"""Per-layer latency measured on this machine: the "Measure latency" job and ``tinyml-studio latency``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.workflows.model_spec import ModelSpec

if TYPE_CHECKING:
    from studio.core.jobs import JobContext


def latency_job(ctx: JobContext, spec: ModelSpec, repeats: int = 20) -> dict[str, float]:
    """Reopen the model in the worker and time every layer; returns ms per IR node name and ``__total__``.

    Runs in a subprocess so timing is not disturbed by the GUI thread and a crash in a native kernel cannot
    take the window down.
    """
    from studio.analysis.latency import measure_layer_latency
    from studio.formats.registry import open_model

    ctx.log(f"opening {spec.path}")
    model = open_model(spec.path, **spec.options)
    return measure_layer_latency(model, repeats=repeats, ctx=ctx)
