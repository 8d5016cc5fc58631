"""Recipe step kinds ``quantize`` (any method: ``method = "linear" | "kmeans" | "qat"``), ``kmeans`` and ``qat``.

Listed in :data:`studio.recipe.steps.BUILTIN_STEP_MODULES`; importing this module registers them. A step's
parameters are the method's config fields (see :mod:`studio.optimize.quantize.config`), e.g.::

    [[steps]]
    kind = "quantize"
    method = "linear"
    weight_bits = 4
    calibration = "percentile"
    layer_bits = { conv1 = 8 }
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.recipe.steps import StepEnv, register_step

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


def _apply(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
    from studio.workflows.quantize import quantize_loaded

    return quantize_loaded(model, str(env.data), params, env.ctx, measure=False).model


def _describe(params: dict[str, Any]) -> str:
    from studio.optimize.quantize.methods import describe_params

    return describe_params(params)


def _with_method(method: str) -> tuple[Any, Any]:
    def apply(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
        return _apply(model, {**params, "method": method}, env)

    def describe(params: dict[str, Any]) -> str:
        return _describe({**params, "method": method})

    return apply, describe


register_step("quantize", _apply, _describe, needs_data=True)
register_step("kmeans", *_with_method("kmeans"), needs_data=True)
register_step("qat", *_with_method("qat"), needs_data=True)
