"""First-party plugin: the Quantum stage (circuit builder, noisy simulation, noise-robust QNN training).

Registered through the ``tinyml_studio.plugins`` entry point (``quantum = "plugins.quantum:register"``) like any
third-party plugin, so qiskit stays out of the studio's core. This module imports nothing heavy: the panel
(``plugins.quantum.ui``, the only Qt code) is imported when the user opens the stage, and the CLI commands
(``tinyml-studio quantum run|train|devices``) import qiskit and torch only when they run.

Layout: ``circuit/`` (gates, angles, the grid model and its undo commands), ``qasm/`` (OpenQASM 3/2 reader and
writer), ``sim/`` (batched torch statevector and density-matrix simulators, outcomes), ``noise/`` (channels,
hand-built and fake-device noise), ``qiskit_bridge/`` (conversion, transpilation), ``qnn/`` (the classifier, its
training job, Aer evaluation), ``run.py`` (one call per user operation), ``cli.py``, ``ui/`` (Qt).
"""

from __future__ import annotations

from typing import Any

PANEL_ID = "quantum"


def _panel_factory(ctx: Any) -> Any:
    from plugins.quantum.ui.panel import QuantumPanel

    return QuantumPanel(ctx)


def _cli_commands(sub: Any) -> None:
    from plugins.quantum.cli import add_commands

    add_commands(sub)


def register(registry: Any) -> None:
    """Entry point: add the Quantum stage and the ``quantum`` CLI commands."""
    from studio.core.plugins import PanelContribution

    registry.add_panel(PanelContribution(PANEL_ID, "Quantum", _panel_factory))
    registry.add_cli_commands(_cli_commands)
