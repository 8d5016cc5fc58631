"""Split a traced network at a layer: the activations that enter the part it influences, and that part alone.

Why torch.fx and not "the children of an nn.Sequential": a perturbed layer changes exactly the nodes that
depend on it. Everything else (the prefix, and the skip branches that rejoin later) is unchanged, so its
values can be captured once from a dense pass and fed to a generated module holding only the dependent
nodes. That is correct for residual adds and concatenations as well as for plain chains, and it works for
``nn.Module`` models (``symbolic_trace``) and for ``torch.export`` programs (already fx graphs) alike.

The traced copy is made purely functional first (in-place ops become their out-of-place twins, which give the
same values), so a captured tensor is never changed behind the engine's back. A graph whose mutations cannot
be removed is refused with :class:`TraceError`, and the engine falls back to whole-model evaluation.
"""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch
    from torch import fx, nn

_OUT_OF_PLACE = {
    operator.iadd: operator.add,
    operator.isub: operator.sub,
    operator.imul: operator.mul,
    operator.itruediv: operator.truediv,
}
_MUTATING_METHODS_WITHOUT_TWIN = frozenset({"copy_", "fill_", "zero_", "set_", "resize_", "index_put_", "scatter_"})


class TraceError(StudioError):
    """The model cannot be split safely (untraceable, or it mutates tensors in ways we cannot undo)."""


def traced_copy(model: nn.Module) -> fx.GraphModule:
    """A functional fx copy of ``model`` (weights shared by value, the model itself untouched).

    Raises :class:`TraceError` when ``symbolic_trace`` fails or a mutation cannot be made out-of-place.
    """
    import torch
    from torch import fx

    try:
        gm = copy.deepcopy(model) if isinstance(model, fx.GraphModule) else fx.symbolic_trace(copy.deepcopy(model))
    except Exception as exc:  # data-dependent control flow and friends
        raise TraceError(f"cannot trace the model: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    for module in gm.modules():
        if isinstance(getattr(module, "inplace", None), bool):
            module.inplace = False
    for node in gm.graph.nodes:
        _make_out_of_place(node, torch)
    gm.graph.lint()
    gm.recompile()
    return gm


def _make_out_of_place(node: fx.Node, torch: Any) -> None:
    if node.op == "call_method":
        name = str(node.target)
        if name.endswith("_") and not name.startswith("_"):
            if name in _MUTATING_METHODS_WITHOUT_TWIN or not hasattr(torch.Tensor, name[:-1]):
                raise TraceError(f"the model mutates a tensor in place ({name}), so it cannot be split")
            node.target = name[:-1]
        return
    if node.op != "call_function":
        return
    target = node.target
    if target in _OUT_OF_PLACE:
        node.target = _OUT_OF_PLACE[target]
    elif node.kwargs.get("inplace") is True:
        node.kwargs = {**node.kwargs, "inplace": False}
    elif isinstance(target, torch._ops.OpOverload):
        packet = target.overloadpacket.__name__
        if packet.endswith("_") and not packet.startswith("_"):
            twin = getattr(torch.ops.aten, packet[:-1], None)
            overload = getattr(twin, target._overloadname, None) if twin is not None else None
            if overload is None:
                raise TraceError(f"the model mutates a tensor in place ({packet}), so it cannot be split")
            node.target = overload
    else:
        name = getattr(target, "__name__", "")
        if name.endswith("_") and not name.startswith("_") and getattr(torch, name[:-1], None) is not None:
            node.target = getattr(torch, name[:-1])


def _entry_nodes(gm: fx.GraphModule, layer: str, names: set[str]) -> list[fx.Node]:
    """Nodes through which ``layer``'s parameters ``names`` enter the computation."""
    entries = []
    for node in gm.graph.nodes:
        if node.op == "call_module" and node.target == layer:
            entries.append(node)
        elif node.op == "get_attr":
            head, _, attr = str(node.target).rpartition(".")
            if head == layer and attr in names:
                entries.append(node)
    return entries


@dataclass
class SuffixPlan:
    """The part of the network that ``layer`` influences, as a module ``suffix(overrides, *frontier)``.

    ``overrides`` maps the layer's parameter names to their perturbed values, plus :data:`LAYER_KEY` to the
    layer carrying them (:func:`layer_with`).

    ``frontier`` names the fx nodes whose (dense) values the suffix needs; ``"<input>"`` entries are model
    inputs, fed straight from the batch. ``affects_output`` is False for a layer nothing reads (its curve is
    flat at the dense result).
    """

    layer: str
    frontier: list[str]
    suffix: Any
    affects_output: bool = True


#: Key of the per-call copy of the perturbed layer in the ``overrides`` dict a suffix takes.
LAYER_KEY = "__layer__"


def _call_layer(overrides: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """Run the perturbed copy of the layer. Why a copy and not ``torch.func.functional_call``: that swaps the
    parameters of the shared module for the duration of the call, which races when two threads scan levels
    of the same layer at once."""
    return overrides[LAYER_KEY](*args, **kwargs)


def _override_or(overrides: dict[str, Any], name: str, original: Any) -> Any:
    return overrides.get(name, original)


def layer_with(module: nn.Module, replacements: dict[str, torch.Tensor]) -> nn.Module:
    """A shallow copy of ``module`` whose named parameters are ``replacements`` (the module is untouched)."""
    import torch

    clone = copy.copy(module)
    clone._parameters = dict(module._parameters)
    for name, value in replacements.items():
        clone._parameters[name] = torch.nn.Parameter(value, requires_grad=False)
    return clone


def plan_suffix(gm: fx.GraphModule, layer: str, param_names: set[str]) -> SuffixPlan:
    """Build the :class:`SuffixPlan` of ``layer`` in ``gm`` (a :func:`traced_copy`).

    Raises :class:`TraceError` when ``layer`` never appears in the traced graph.
    """
    from torch import fx

    entries = _entry_nodes(gm, layer, param_names)
    if not entries:
        raise TraceError(f"{layer} does not appear in the traced graph")
    nodes = list(gm.graph.nodes)
    affected: set[fx.Node] = set(entries)
    for node in nodes:  # topological order: one pass finds every descendant
        if node not in affected and any(arg in affected for arg in node.all_input_nodes):
            affected.add(node)
    output = next(n for n in nodes if n.op == "output")
    if output not in affected:
        return SuffixPlan(layer, [], None, affects_output=False)

    graph = fx.Graph()
    overrides = graph.placeholder("overrides")
    env: dict[fx.Node, fx.Node] = {}
    frontier: list[str] = []
    for node in nodes:
        if node not in affected:
            continue
        for arg in node.all_input_nodes:
            if arg in affected or arg in env:
                continue
            if arg.op == "get_attr":
                env[arg] = graph.node_copy(arg)
            else:
                env[arg] = graph.placeholder(f"frontier_{len(frontier)}")
                frontier.append(arg.name)
        if node.op == "get_attr" and node in entries:
            attr = str(node.target).rpartition(".")[2]
            env[node] = graph.call_function(_override_or, (overrides, attr, graph.node_copy(node)))
        elif node.op == "call_module" and node in entries:
            args = fx.map_arg(node.args, lambda n: env[n])
            kwargs = fx.map_arg(node.kwargs, lambda n: env[n])
            env[node] = graph.call_function(_call_layer, (overrides, *args), kwargs)
        else:
            env[node] = graph.node_copy(node, lambda n: env[n])
    graph.lint()
    return SuffixPlan(layer, frontier, fx.GraphModule(gm, graph), affects_output=True)


def capture_module(gm: fx.GraphModule, wanted: list[str]) -> Any:
    """A module returning ``(model output, *values of the nodes named in wanted)`` in one dense pass."""
    from torch import fx

    graph = copy.deepcopy(gm.graph)
    graph._codegen = fx.graph.CodeGen()  # an exported program's pytree output spec expects one output
    by_name = {n.name: n for n in graph.nodes}
    output = next(n for n in graph.nodes if n.op == "output")
    original = output.args[0]
    captured = tuple(by_name[name] for name in wanted)
    with graph.inserting_before(output):
        graph.output((original, *captured))
    graph.erase_node(output)
    graph.lint()
    return fx.GraphModule(gm, graph)


def input_names(gm: fx.GraphModule) -> list[str]:
    """Names of the placeholder (input) nodes, in order."""
    return [n.name for n in gm.graph.nodes if n.op == "placeholder"]
