"""Float-graph ops from an exported program's aten graph (a ``.pt2`` file's module), as
:mod:`studio.int8.fx_trace` does for ordinary modules.

Why: a model opened from ``torch.export`` has no ``nn.Conv2d`` modules left, only ``aten.conv2d`` calls on
its parameters, but it is the same network and must quantize the same way. The pre-dispatch forms torch
2.13 writes are understood (``conv2d``, ``batch_norm``, ``linear``, ...), plus ``convolution`` and
``_native_batch_norm_legit_no_training`` of decomposed programs. Layer names come from the module stack
recorded in each node (``conv1``, ``layer1.0.conv2``), so they match the source model's.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from studio.int8.float_graph import LoweringError

_ALIASES = frozenset({"dropout", "clone", "alias", "detach", "contiguous", "lift_fresh_copy", "identity"})
_IGNORED = frozenset({"_assert_tensor_metadata", "sym_size", "_assert_scalar"})


def is_aten_graph(module: Any) -> bool:
    """True for an fx GraphModule that calls aten ops (what ``ExportedProgram.module()`` returns)."""
    import torch

    graph = getattr(module, "graph", None)
    nodes = getattr(graph, "nodes", ())
    return any(isinstance(getattr(n, "target", None), torch._ops.OpOverload) for n in nodes)


def aten_op_name(target: Any) -> str:
    """``aten.relu_.default`` -> ``relu`` (in-place forms named like the plain ones)."""
    parts = str(target).split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    return name[:-1] if name.endswith("_") and not name.startswith("_") else name


def layer_path(node: Any) -> str:
    """The source module path recorded for ``node`` (its fx name when there is none)."""
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path = list(stack.values())[-1][0]
        return str(path).replace("L['self'].", "").replace("[", ".").replace("]", "") or node.name
    return node.name


def _arg(node: Any, index: int, default: Any) -> Any:
    return node.args[index] if len(node.args) > index else default


def handle_aten(b: Any, node: Any, constants: dict[str, Any]) -> None:
    """Add the op for one aten call to builder ``b``; raises :class:`LoweringError` naming an unknown one."""

    def const(arg: Any) -> Any:
        if arg is None:
            return None
        if not hasattr(arg, "name") or arg.name not in constants:
            raise LoweringError(f"cannot lower {node.name}: its weights are computed, not stored")
        return constants[arg.name]

    name = aten_op_name(node.target)
    path = layer_path(node)
    if name in _IGNORED:
        b.non_tensor.add(node.name)
    elif name in _ALIASES:
        b.alias[node.name] = b.value(node.args[0])
    elif name == "getitem":  # the first output of batch norm / max pool with indices
        if node.args[1] != 0:
            raise LoweringError(f"cannot lower {node.name}: only the first output of {node.args[0]} is supported")
        b.alias[node.name] = b.value(node.args[0])
    elif name in ("conv2d", "convolution"):
        if name == "convolution" and _arg(node, 6, False):
            raise LoweringError(f"{path}: transposed convolution has no int8 kernel")
        groups = _arg(node, 8 if name == "convolution" else 6, 1)
        weight = const(node.args[1])
        module = SimpleNamespace(
            weight=weight, bias=const(_arg(node, 2, None)), stride=_arg(node, 3, [1, 1]), padding=_arg(node, 4, [0, 0]),
            dilation=_arg(node, 5, [1, 1]), groups=groups, padding_mode="zeros", kernel_size=tuple(weight.shape[2:]),
        )  # fmt: skip
        b.conv(node, module, path)
    elif name == "linear":
        b.linear(node, SimpleNamespace(weight=const(node.args[1]), bias=const(_arg(node, 2, None))), path)
    elif name in ("batch_norm", "_native_batch_norm_legit_no_training"):
        eps_index = 7 if name == "batch_norm" else 6
        module = SimpleNamespace(
            weight=const(node.args[1]), bias=const(node.args[2]), running_mean=const(node.args[3]),
            running_var=const(node.args[4]), eps=float(_arg(node, eps_index, 1e-5)),
        )  # fmt: skip
        b.batch_norm(node, module, path)
    elif name == "relu":
        b.clamp(node, 0.0, float("inf"), path)
    elif name == "hardtanh":
        b.clamp(node, float(_arg(node, 1, -1.0)), float(_arg(node, 2, 1.0)), path)
    elif name in ("max_pool2d", "max_pool2d_with_indices"):
        b.pool(node, "max_pool2d", node.args[1], _arg(node, 2, None) or None, _arg(node, 3, 0), path,
               dilation=tuple(_arg(node, 4, (1, 1))), ceil_mode=_arg(node, 5, False))  # fmt: skip
    elif name == "avg_pool2d":
        b.pool(node, "avg_pool2d", node.args[1], _arg(node, 2, None) or None, _arg(node, 3, 0), path,
               ceil_mode=_arg(node, 4, False), count_include_pad=_arg(node, 5, True),
               divisor_override=_arg(node, 6, None))  # fmt: skip
    elif name in ("adaptive_avg_pool2d", "_adaptive_avg_pool2d"):
        b.adaptive_avg(node, node.args[1], path)
    elif name == "mean" and sorted(d % 4 for d in node.args[1]) == [2, 3] and _arg(node, 2, False):
        b.adaptive_avg(node, 1, path)
    elif name == "add":
        if len(node.args) < 2 or not hasattr(node.args[1], "name") or node.kwargs.get("alpha", 1) != 1:
            raise LoweringError(f"cannot lower {node.name} (add): only the sum of two tensors is supported")
        b.add("add", node, [node.args[0], node.args[1]])
    elif name == "cat":
        tensors = list(node.args[0])
        rank = len(b.shapes[b.value(tensors[0])]) + 1
        if int(_arg(node, 1, 0)) % rank != 1:
            raise LoweringError(f"cannot lower {node.name}: only concatenation along channels is supported")
        b.add("concat", node, tensors, attrs={"axis": 1})
    elif name in ("flatten", "view", "reshape", "_unsafe_view"):
        b.flatten(node, path)
    else:
        raise LoweringError(f"cannot lower {node.name} (aten.{name}) in {path} to int8")
