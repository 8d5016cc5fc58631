"""Open a model and profile it: the first thing the GUI does after File > Open and what ``info`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.workflows.model_spec import ModelSpec

if TYPE_CHECKING:
    from studio.analysis.profile import ModelProfile
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel


@dataclass
class OpenedModel:
    """A loaded model together with its static profile (no latency yet: that is a separate, measured job)."""

    spec: ModelSpec
    model: LoadedModel
    profile: ModelProfile


def open_and_profile(spec: ModelSpec, ctx: JobContext | None = None) -> OpenedModel:
    """Read the model at ``spec`` and compute its per-layer profile.

    Raises :class:`studio.core.errors.ModelLoadError` with a one-line reason when the file can't be opened.
    """
    from studio.analysis.profile import profile_graph
    from studio.formats.registry import open_model

    if ctx is not None:
        ctx.progress(0, 2, f"reading {spec.path.name}")
    model = open_model(spec.path, **spec.options)
    if ctx is not None:
        ctx.progress(1, 2, "profiling layers")
    profile = profile_graph(model.graph)
    if ctx is not None:
        ctx.progress(2, 2, "done")
    return OpenedModel(spec, model, profile)


def open_model_job(
    ctx: JobContext, spec: ModelSpec, steps: Sequence[dict[str, Any]] = (), data: str | None = None
) -> OpenedModel:
    """Job form of :func:`open_and_profile` (thread runner: the result holds live torch objects).

    With ``steps`` (a saved project's history) the steps are replayed on the opened model, and the result's
    ``model.metadata["steps"]`` records them. Raises what the reader or a step raises.
    """
    opened = open_and_profile(spec, ctx)
    if not steps:
        return opened
    from studio.analysis.profile import profile_graph
    from studio.recipe.replay import replay_steps

    model = replay_steps(opened.model, [dict(s) for s in steps], data=data, ctx=ctx)
    model.metadata["steps"] = [dict(s) for s in steps]
    return OpenedModel(spec, model, profile_graph(model.graph))


def info_dict(opened: OpenedModel) -> dict[str, Any]:
    """The JSON printed by ``tinyml-studio info --json``: the profile plus what was opened."""
    out = opened.profile.to_dict()
    out["model"] = {
        "path": str(opened.spec.path),
        "format": opened.model.format,
        "input_shape": list(opened.model.input_shape) if opened.model.input_shape else None,
        "nodes": len(opened.model.graph.nodes),
    }
    return out
