"""The registry of step kinds: ``kind`` -> the function that applies a step to a model.

Why a registry and not an if/elif on strings: each method package (pruning, quantization, fine-tuning ...)
owns its step, and a plugin can add one, without this module knowing any of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel

#: Modules that register the built-in step kinds when imported (lazily: they import torch).
BUILTIN_STEP_MODULES: tuple[str, ...] = (
    "studio.optimize.prune.recipe_steps",
    "studio.optimize.quantize.steps",
    "studio.optimize.nas.recipe_steps",
)


class RecipeError(StudioError):
    """A recipe is malformed or names a step kind nobody registered."""


@dataclass(frozen=True)
class StepEnv:
    """What a step may use besides the model: the data set spec and a job context (or ``None``)."""

    data: str | None = None
    ctx: JobContext | None = None


ApplyFn = Callable[["LoadedModel", dict[str, Any], StepEnv], "LoadedModel"]


@dataclass(frozen=True)
class StepKind:
    """One kind of step. ``apply(model, params, env)`` returns the new model and never mutates ``model``.

    ``describe(params)`` is the one-line text shown in the undo menu and the project's history.
    """

    kind: str
    apply: ApplyFn
    describe: Callable[[dict[str, Any]], str]
    needs_data: bool = False


_KINDS: dict[str, StepKind] = {}
_builtins_loaded = False


def register_step(
    kind: str, apply: ApplyFn, describe: Callable[[dict[str, Any]], str] | None = None, *, needs_data: bool = False
) -> StepKind:
    """Register (or replace) the step kind ``kind``; returns it."""
    step = StepKind(kind, apply, describe or (lambda params, k=kind: f"{k} {params}"), needs_data)
    _KINDS[kind] = step
    return step


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for name in BUILTIN_STEP_MODULES:
            importlib.import_module(name)


def step_kind(kind: str) -> StepKind:
    """The registered kind ``kind``; raises :class:`RecipeError` listing the known ones."""
    _load_builtins()
    try:
        return _KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise RecipeError(f"unknown recipe step kind {kind!r} (known: {known})") from None


def known_kinds() -> list[str]:
    """Names of every registered step kind."""
    _load_builtins()
    return sorted(_KINDS)


def describe_step(step: dict[str, Any]) -> str:
    """One line for ``step`` ("prune: magnitude 50%"); unknown kinds are described by their kind."""
    kind = str(step.get("kind", "?"))
    params = {k: v for k, v in step.items() if k != "kind"}
    try:
        return step_kind(kind).describe(params)
    except RecipeError:
        return kind
