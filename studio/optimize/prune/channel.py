"""Channel pruning that follows dependencies, through Torch-Pruning's dependency graph.

Why Torch-Pruning: removing an output channel of a convolution also removes the matching batch-norm entry,
the input channel of every consumer, the same channel of every tensor it is added to (residuals) and the
right slice of every concatenation; depthwise and group convolutions follow their input. Its dependency
graph finds those groups on real models, and the layers really shrink, so the model gets smaller and faster.

Which layers are never pruned (listed with the reason in the report): the layers producing the model's
output (their channels are the classes), and, for ``torch.export`` programs, every layer (an exported graph
has no layer modules to resize). A model that no longer runs afterwards raises :class:`PruneError`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from studio.optimize.prune.config import ChannelPruning
from studio.optimize.prune.registry import PruneError, register_method
from studio.optimize.prune.report import LayerPruned, PruneReport
from studio.optimize.prune.targets import kernel_layers, layer_sparsities

if TYPE_CHECKING:
    import torch
    from torch import nn


def _is_prunable(module: Any) -> bool:
    from torch import nn

    return isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))


def _out_channels(module: Any) -> int:
    return int(module.weight.shape[0])


def output_layers(model: nn.Module, example_input: torch.Tensor) -> list[str]:
    """Layers whose output feeds the model's output without another kernel layer in between.

    Found by tracing: the last conv/linear layers to run whose output channel count equals the output's.
    """
    import torch

    order: list[str] = []
    hooks = [
        m.register_forward_hook(lambda mod, _i, _o, name=name: order.append(name))
        for name, m in model.named_modules()
        if _is_prunable(m)
    ]
    try:
        with torch.no_grad():
            out = model(example_input)
    finally:
        for hook in hooks:
            hook.remove()
    from studio.runtime.executor import first_output

    width = int(first_output(out).shape[1]) if first_output(out).dim() > 1 else 1
    for name in reversed(order):
        if _out_channels(model.get_submodule(name)) == width:
            return [name]
    return order[-1:]


def channel_counts(model: nn.Module) -> dict[str, int]:
    """Output channels of every conv/linear layer."""
    return {name: _out_channels(m) for name, m in model.named_modules() if _is_prunable(m)}


@register_method(ChannelPruning)
def prune_channels(module: nn.Module, config: ChannelPruning, example_input: torch.Tensor) -> PruneReport:
    """Remove output channels in place; per layer ``sparsity`` of its group's channels (lowest L1 first)."""
    from torch import fx

    if isinstance(module, fx.GraphModule):
        names = kernel_layers(module)
        reason = "an exported program has no layer modules to resize; open the model as a module or state_dict"
        return PruneReport(config.method, (), tuple((n, reason) for n in names))
    import torch_pruning as tp

    targets, skipped = layer_sparsities(module, config)
    outputs = output_layers(module, example_input)
    for name in outputs:
        if name in targets:
            del targets[name]
            skipped.append((name, "its outputs are the model's outputs (the classes)"))
    modules = dict(module.named_modules())
    for name in list(targets):
        if not _is_prunable(modules[name]):
            del targets[name]
            skipped.append((name, f"{type(modules[name]).__name__} layers have no channels to remove"))
    if not targets:
        return PruneReport(config.method, (), tuple(skipped))
    before = channel_counts(module)
    params_before = {n: modules[n].weight.numel() for n in before}
    ignored = [modules[n] for n in outputs]
    ratios = {modules[n]: s for n, s in targets.items()}
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pruner = tp.pruner.MetaPruner(
                module,
                example_input,
                importance=tp.importance.MagnitudeImportance(p=1),
                pruning_ratio=0.0,
                pruning_ratio_dict=ratios,
                ignored_layers=ignored,
                round_to=config.round_to,
            )
            pruner.step()
    except Exception as exc:  # Torch-Pruning raises many types on graphs it cannot follow
        raise PruneError(f"channel pruning cannot follow this model: {type(exc).__name__}: {exc}") from None
    finally:
        module.train(was_training)
    _check_runs(module, example_input)
    after = channel_counts(module)
    layers = []
    for name, count in before.items():
        sub = module.get_submodule(name)
        if after.get(name, count) != count or sub.weight.numel() != params_before[name]:
            n = sub.weight.numel()
            layers.append(LayerPruned(name, params_before[name], n, n, count, after[name]))
    untouched = [n for n in targets if n not in {la.name for la in layers}]
    skipped += [(n, "its group's channels are needed elsewhere (too few to remove at this ratio)") for n in untouched]
    return PruneReport(config.method, tuple(layers), tuple(skipped))


def _check_runs(module: nn.Module, example_input: torch.Tensor) -> None:
    import torch

    try:
        with torch.no_grad():
            module.eval()(example_input)
    except Exception as exc:
        raise PruneError(f"the channel-pruned model no longer runs: {type(exc).__name__}: {exc}") from None
