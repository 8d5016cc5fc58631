"""Stages: the studio's work areas (Model, Prune, Quantize, Search, Deploy ...), chosen from the sidebar.

A stage is a widget built by ``factory(ctx)`` with a :class:`~studio.ui.stages.context.StageContext`; it is
created the first time the user opens it, so its imports (pyqtgraph, torch) never slow the window's start.
Built-in stages are listed in :data:`BUILTIN_STAGES` by import path; plugins contribute theirs as
:class:`studio.core.plugins.PanelContribution` and appear after them, the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StageSpec:
    """One sidebar entry. ``factory`` is ``"package.module:Callable"`` or a callable taking the context."""

    id: str
    title: str
    factory: str | Callable[[Any], Any]
    tip: str = ""

    def build(self, ctx: Any) -> Any:
        """Import (if needed) and call the factory; returns the stage widget."""
        factory = self.factory
        if isinstance(factory, str):
            module_name, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module_name), attr)
        return factory(ctx)


#: The built-in stages after "Model" (which the window builds itself), in sidebar order.
BUILTIN_STAGES: tuple[StageSpec, ...] = (
    StageSpec("prune", "Prune", "studio.ui.prune.panel:PrunePanel", "Sensitivity scan, per-layer sparsity, apply"),
    StageSpec("quantize", "Quantize", "studio.ui.quantize.panel:QuantizePanel", "Bits per layer, PTQ, QAT, int8"),
    StageSpec(
        "search", "Search", "studio.ui.nas.panel:SearchStage", "Architecture search under MCU limits, distillation"
    ),
    StageSpec("deploy", "Deploy", "studio.ui.deploy.panel:DeployPanel", "Build, flash and validate on a board"),
)
