"""Which layers of a model a scan (or a pruning method) can touch, and why the others are left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

    from studio.analysis.sensitivity.perturbation import Perturbation


@dataclass(frozen=True)
class LayerChoice:
    """Layers to scan (module paths, model order) and ``(path, reason)`` for each one left out."""

    names: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]


def weight_layers(model: nn.Module) -> list[str]:
    """Module paths of every module that owns a parameter called ``weight`` (in ``named_modules`` order)."""
    names = []
    for name, module in model.named_modules():
        weight = module._parameters.get("weight") if hasattr(module, "_parameters") else None
        if name and weight is not None:
            names.append(name)
    return names


def choose_layers(model: nn.Module, perturbation: Perturbation, wanted: list[str] | None = None) -> LayerChoice:
    """The layers ``perturbation`` can change among ``wanted`` (default: every weight layer).

    Names in ``wanted`` that are not modules are listed in ``skipped`` with the reason, never raised.
    """
    modules = dict(model.named_modules())
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    for name in wanted if wanted is not None else weight_layers(model):
        module = modules.get(name)
        if module is None or not name:
            skipped.append((name, "no such layer in the model"))
            continue
        reason = perturbation.check(module)
        if reason is None:
            names.append(name)
        elif wanted is not None or "vector" not in reason:  # batch norms are not news unless asked for
            skipped.append((name, reason))
    return LayerChoice(tuple(names), tuple(skipped))
