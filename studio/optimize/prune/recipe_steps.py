"""The "prune" and "finetune" recipe steps: what a project records and ``tinyml-studio apply`` replays.

``prune``: the method's config as params (``method`` = magnitude | channel | 2:4 ..., ``sparsity``,
``sparsities`` per layer, ``layers``). ``finetune``: :class:`~studio.train.finetune.FinetuneConfig` fields;
it needs the data set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.recipe.steps import RecipeError, StepEnv, register_step

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


def apply_prune(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
    """Prune a copy of ``model``; raises StudioError for a bad config or a method that cannot apply."""
    from studio.workflows.prune import prune_loaded

    pruned, report = prune_loaded(model, params)
    if env.ctx is not None:
        env.ctx.log(f"pruned {len(report['layers'])} layers to {report['sparsity']:.1%} sparsity")
        for skipped in report["skipped"]:
            env.ctx.log(f"  left {skipped['name']} alone: {skipped['reason']}")
    return pruned


def describe_prune(params: dict[str, Any]) -> str:
    method = params.get("method", "magnitude")
    if params.get("sparsities"):
        values = list(params["sparsities"].values())
        return f"Prune ({method}): {len(values)} layers, {min(values):.0%}–{max(values):.0%}"
    if ":" in str(method):
        return f"Prune ({method} sparsity)"
    return f"Prune ({method}) {float(params.get('sparsity', 0.5)):.0%}"


def apply_finetune(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
    """Fine-tune a copy on ``env.data``; raises RecipeError without a data set."""
    from studio.workflows.prune import finetune_loaded

    if not env.data:
        raise RecipeError("the finetune step needs a data set")
    tuned, _report = finetune_loaded(model, env.data, params, env.ctx)
    return tuned


def describe_finetune(params: dict[str, Any]) -> str:
    return f"Fine-tune {int(params.get('epochs', 5))} epochs (sparsity held)"


register_step("prune", apply_prune, describe_prune)
register_step("finetune", apply_finetune, describe_finetune, needs_data=True)
