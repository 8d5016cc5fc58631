"""What channel pruning will remove, predicted from the same dependency graph the channel method uses.

Why not "the layer's kept fraction times its cost": removing output channels of a convolution also removes
its batch norm's entries, the matching input channels of every consumer (the next convolution, the linear
layer after a flatten, a slice of a concatenation's consumer) and, through a residual add, the same
channels of every layer added to it. The next layer's inputs are often the larger saving. Torch-Pruning's
dependency graph knows these groups; :func:`channel_structure` asks it once per model (a fraction of a
second, so the GUI runs it as a job) and keeps only names and fractions, so a prediction for new
per-layer sparsities is plain arithmetic (microseconds, fine for a slider).

The count per group follows Torch-Pruning's MetaPruner with layer-specific ratios (what
:func:`~studio.optimize.prune.channel.prune_channels` runs): a group takes the ratio of the first of its
layers (in the graph's order) that has one, removes ``C - int(C * (1 - ratio))`` of its ``C`` channels
(rounded with ``round_to``), and nothing when no member has a ratio.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class ChannelGroup:
    """Channels that go together: ``channels`` per channel group (``repeat`` groups for grouped convs),
    the layers whose ratio decides (``ratio_from``, in order), and the ``(module, share)`` pairs whose
    outputs (``outs``) or inputs (``ins``) lose the same channels (``share``: the fraction of that module's
    outputs or inputs this group covers, 1 except for concatenations)."""

    channels: int
    ratio_from: tuple[str, ...]
    outs: tuple[tuple[str, float], ...]
    ins: tuple[tuple[str, float], ...]
    repeat: int = 1

    def pruned_fraction(self, sparsities: dict[str, float], round_to: int | None = None) -> float:
        """Fraction of this group's channels removed for per-layer ``sparsities`` (0 when none applies)."""
        ratio = next((sparsities[n] for n in self.ratio_from if sparsities.get(n, 0.0) > 0), 0.0)
        if ratio <= 0 or self.channels <= 1:
            return 0.0
        removed = self.channels - int(self.channels * (1 - ratio))
        if round_to:  # as MetaPruner rounds: the layer's remaining channels to a multiple of round_to
            current = self.channels * self.repeat
            kept = current - removed
            removed = max(current - (kept - kept % round_to), 0)
        return min(max(removed, 0), self.channels - 1) / self.channels


@dataclass(frozen=True)
class ChannelStructure:
    """Every prunable group of a model (groups rooted at ignored layers, the classifier, are left out)."""

    groups: tuple[ChannelGroup, ...]
    round_to: int | None = None

    def kept_factors(self, sparsities: dict[str, float]) -> dict[str, tuple[float, float]]:
        """``module -> (kept fraction of its outputs, kept fraction of its inputs)`` for modules that shrink."""
        out_removed: dict[str, float] = {}
        in_removed: dict[str, float] = {}
        for group in self.groups:
            fraction = group.pruned_fraction(sparsities, self.round_to)
            if fraction <= 0:
                continue
            for name, share in group.outs:
                out_removed[name] = out_removed.get(name, 0.0) + share * fraction
            for name, share in group.ins:
                in_removed[name] = in_removed.get(name, 0.0) + share * fraction
        names = set(out_removed) | set(in_removed)
        return {n: (1.0 - min(out_removed.get(n, 0.0), 1.0), 1.0 - min(in_removed.get(n, 0.0), 1.0)) for n in names}

    def to_dict(self) -> dict[str, Any]:
        return {
            "round_to": self.round_to,
            "groups": [
                {
                    "channels": g.channels,
                    "repeat": g.repeat,
                    "ratio_from": list(g.ratio_from),
                    "outs": [list(p) for p in g.outs],
                    "ins": [list(p) for p in g.ins],
                }
                for g in self.groups
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChannelStructure:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``TypeError``/``ValueError`` on malformed input."""
        return cls(
            tuple(
                ChannelGroup(
                    int(g["channels"]),
                    tuple(str(n) for n in g["ratio_from"]),
                    tuple((str(n), float(s)) for n, s in g["outs"]),
                    tuple((str(n), float(s)) for n, s in g["ins"]),
                    int(g.get("repeat", 1)),
                )
                for g in data["groups"]
            ),
            data.get("round_to"),
        )


def channel_structure(
    module: nn.Module, example_input: torch.Tensor, round_to: int | None = None
) -> ChannelStructure | None:
    """The :class:`ChannelStructure` of ``module`` as the channel method will prune it, or ``None`` when
    Torch-Pruning cannot follow the model (or it is an exported program, which the method does not resize).

    The module is not changed (a copy is traced).
    """
    import copy

    from torch import fx

    from studio.optimize.prune.channel import output_layers

    if isinstance(module, fx.GraphModule):
        return None
    import torch_pruning as tp

    module = copy.deepcopy(module).eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ignored = [module.get_submodule(n) for n in output_layers(module, example_input)]
            pruner = tp.pruner.MetaPruner(
                module,
                example_input,
                importance=tp.importance.MagnitudeImportance(p=1),
                pruning_ratio=0.0,
                ignored_layers=ignored,
            )
            groups = list(pruner.DG.get_all_groups(ignored_layers=pruner.ignored_layers))
            return ChannelStructure(tuple(g for g in (_group(pruner, module, grp) for grp in groups) if g), round_to)
    except Exception:  # Torch-Pruning raises many types on graphs it cannot follow
        return None


def _group(pruner: Any, module: nn.Module, group: Any) -> ChannelGroup | None:
    dg = pruner.DG
    names = {m: n for n, m in module.named_modules()}
    ratio_from: list[str] = []
    outs: dict[str, float] = {}
    ins: dict[str, float] = {}
    for dep, idxs in group:
        for mod, fn in ((dep.source.module, dep.trigger), (dep.target.module, dep.handler)):
            name = names.get(mod)
            if name and dg.is_out_channel_pruning_fn(fn) and name not in ratio_from:
                ratio_from.append(name)
        target = names.get(dep.target.module)
        if not target:
            continue
        count = len(idxs)
        if dg.is_out_channel_pruning_fn(dep.handler):
            total = dg.get_out_channels(dep.target.module)
            if total:
                outs[target] = max(outs.get(target, 0.0), min(1.0, count / total))
        elif dg.is_in_channel_pruning_fn(dep.handler) and not _is_depthwise(dep.target.module):
            total = dg.get_in_channels(dep.target.module)
            if total:
                ins[target] = max(ins.get(target, 0.0), min(1.0, count / total))
    root = group[0].dep.target.module
    channels = dg.get_out_channels(root) if dg.is_out_channel_pruning_fn(group[0].dep.handler) else None
    channels = channels or len(group[0].idxs)
    try:
        repeat = int(pruner._get_channel_groups(group))  # grouped convs rank channels per group
    except Exception:
        repeat = 1
    if not channels or not ratio_from:
        return None
    return ChannelGroup(
        int(channels) // max(1, repeat), tuple(ratio_from), tuple(outs.items()), tuple(ins.items()), max(1, repeat)
    )


def _is_depthwise(mod: Any) -> bool:
    """A depthwise convolution's inputs are its outputs: counting both would remove its weights twice."""
    groups = getattr(mod, "groups", 1)
    weight = getattr(mod, "weight", None)
    return groups > 1 and weight is not None and weight.dim() > 1 and weight.shape[1] == 1
