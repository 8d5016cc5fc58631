"""An iterative, NetAdapt-style search for per-layer fine-grained sparsities.

Each iteration proposes, for every layer, the next cut that removes the same number of weights (a step of
the prunable total), measures every proposal on the validation subset with the others as they are, and keeps
the proposal that hurts accuracy least (loss breaks ties). It stops at the target sparsity. Proposals are
measured with the scan engine (cached activations, only the part after the layer recomputed), since a
proposal is exactly "this layer a little sparser". Unlike NetAdapt it does not fine-tune between iterations;
fine-tune the result once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from studio.analysis.sensitivity.perturbation import WeightPerturbation
from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studio.data.datasets import Dataset
    from studio.optimize.prune.predict import ModelCosts

MAX_LAYER_SPARSITY = 0.98


@dataclass(frozen=True)
class SearchConfig:
    """Overall target ``sparsity`` of the prunable weights; ``step``: fraction of them removed per iteration."""

    sparsity: float = 0.7
    step: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.sparsity < 1 or not 0 < self.step <= 0.5:
            raise StudioError(f"search needs 0 < sparsity < 1 and 0 < step <= 0.5, got {self}")


class _Proposal(WeightPerturbation):
    """Each layer's proposed sparsity (the level is ignored: every layer has its own)."""

    name: ClassVar[str] = "proposal"
    label: ClassVar[str] = "proposal"

    def __init__(self, model: nn.Module, proposed: dict[str, float]) -> None:
        self._by_module = {id(model.get_submodule(n)): s for n, s in proposed.items()}

    def perturbed(self, layer: nn.Module, level: float) -> dict[str, torch.Tensor]:
        from studio.analysis.sensitivity.masks import magnitude_mask

        weight = layer.weight.detach()
        return {"weight": weight * magnitude_mask(weight, self._by_module[id(layer)])}


def netadapt_search(
    module: nn.Module, data: Dataset, costs: ModelCosts, config: SearchConfig = SearchConfig(), ctx: Any = None
) -> dict[str, Any]:
    """Search; returns ``{"sparsities", "history"}`` (history: iteration, layer, sparsity, accuracy, loss).

    ``module`` is not changed. Raises :class:`StudioError` when no layer can be cut further.
    """
    import copy

    import torch

    from studio.analysis.sensitivity.masks import magnitude_mask
    from studio.analysis.sensitivity.scan import ScanConfig, scan_sensitivity

    work = copy.deepcopy(module)
    names = list(costs.layers)
    total = costs.prunable_params
    current = dict.fromkeys(names, 0.0)
    history: list[dict[str, Any]] = []
    removed = 0.0
    chunk = config.step * total
    iterations = round(config.sparsity / config.step + 0.5)
    iteration = 0
    while removed < config.sparsity * total - 1e-6:
        iteration += 1
        want = min(chunk, config.sparsity * total - removed)
        proposed = {}
        for name in names:
            params = costs.layers[name].params
            nxt = min(MAX_LAYER_SPARSITY, current[name] + want / params)
            if nxt > current[name] + 1e-9:
                proposed[name] = nxt
        if not proposed:
            raise StudioError("the search cannot cut any layer further")
        scan = scan_sensitivity(
            work, data, _Proposal(work, proposed), list(proposed), ScanConfig(levels=(1.0,), method="auto")
        )
        best = max(scan.layers, key=lambda c: (c.accuracy[0], -c.loss[0]))
        current[best.name] = proposed[best.name]
        layer = work.get_submodule(best.name)
        with torch.no_grad():
            layer.weight.copy_(module.get_submodule(best.name).weight)
            layer.weight.mul_(magnitude_mask(layer.weight, current[best.name]))
        removed = sum(current[n] * costs.layers[n].params for n in names)
        history.append(
            {
                "iteration": iteration,
                "layer": best.name,
                "layer_sparsity": current[best.name],
                "sparsity": removed / total,
                "accuracy": best.accuracy[0],
                "loss": best.loss[0],
            }
        )
        if ctx is not None:
            ctx.progress(min(iteration, iterations), iterations, f"{removed / total:.0%}: cut {best.name}")
            ctx.check_cancelled()
    return {"sparsities": {n: s for n, s in current.items() if s > 0}, "history": history}
