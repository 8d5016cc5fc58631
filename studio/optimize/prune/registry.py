"""Config type -> handler: :func:`prune_module` applies any registered pruning method.

Why a registry and not an if/elif on method names: each method lives in its own module, and a plugin can
add one with :func:`register_method` without this file knowing it.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studio.optimize.prune.report import PruneReport

#: Modules registering the built-in methods when imported (they import torch).
METHOD_MODULES: tuple[str, ...] = (
    "studio.optimize.prune.magnitude",
    "studio.optimize.prune.channel",
    "studio.optimize.prune.nm",
)

Handler = Callable[["nn.Module", Any, "torch.Tensor"], "PruneReport"]
_HANDLERS: dict[type, Handler] = {}
_loaded = False


class PruneError(StudioError):
    """A pruning method could not be applied (the model would not run afterwards, nothing to prune ...)."""


def register_method(config_type: type) -> Callable[[Handler], Handler]:
    """Decorator: ``handler(module, config, example_input) -> PruneReport`` prunes ``module`` in place."""

    def decorate(handler: Handler) -> Handler:
        _HANDLERS[config_type] = handler
        return handler

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in METHOD_MODULES:
            importlib.import_module(name)


def prune_module(module: nn.Module, config: Any, example_input: torch.Tensor) -> tuple[nn.Module, PruneReport]:
    """A pruned copy of ``module`` (the original is untouched) and the report of what changed.

    Raises :class:`PruneError` when the method cannot be applied; layers it cannot change safely are listed
    in the report's ``skipped``, never raised.
    """
    _load()
    handler = _HANDLERS.get(type(config))
    if handler is None:
        raise PruneError(f"no pruning handler registered for {type(config).__name__}")
    pruned = copy.deepcopy(module)
    report = handler(pruned, config, example_input)
    return pruned, report
