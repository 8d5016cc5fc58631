"""Replay a recipe on a model: what ``tinyml-studio apply`` and reopening a project do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.recipe.steps import RecipeError, StepEnv, describe_step, step_kind

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel


def replay_steps(
    model: LoadedModel, steps: list[dict[str, Any]], data: str | None = None, ctx: JobContext | None = None
) -> LoadedModel:
    """Apply ``steps`` in order and return the final model; the input model is not changed.

    Raises :class:`RecipeError` for an unknown kind or a step that needs data when none is given, and lets a
    step's own :class:`~studio.core.errors.StudioError` through (its message names the problem).
    """
    kinds = [step_kind(str(step.get("kind"))) for step in steps]  # fail before any work on a typo
    for i, kind in enumerate(kinds, 1):
        if kind.needs_data and not data:
            raise RecipeError(f"step {i} ({kind.kind}) needs a data set: pass --data")
    for i, (step, kind) in enumerate(zip(steps, kinds, strict=True)):
        if ctx is not None:
            ctx.progress(i, len(steps), describe_step(step))
            ctx.check_cancelled()
        params = {k: v for k, v in step.items() if k != "kind"}
        model = kind.apply(model, params, StepEnv(data=data, ctx=ctx))
    if ctx is not None:
        ctx.progress(len(steps), len(steps), "done")
    return model
