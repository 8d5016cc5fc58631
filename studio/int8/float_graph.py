"""A float model as a flat list of int8-lowerable ops: batch norm folded, ReLU/ReLU6 fused, aliases removed.

Why a graph of our own: lowering to int8, calibration and fake-quant simulation must all see the very same
ops (a convolution *with* its folded batch norm and fused clamp), so that the simulated accuracy is the
integer model's. :func:`trace_float_graph` builds it from any ``nn.Module`` that ``torch.fx`` can trace and
that is made of conv / batch norm / ReLU(6) / pooling / add / concat / flatten / linear;
:func:`run_float_graph` executes it in float32 with hooks for observing or fake-quantizing every tensor.

Values are named after fx nodes; shapes are torch's per-sample shapes (C, H, W) or (K,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.core.errors import StudioError

#: op kinds whose output shares the input's quantization (no arithmetic on values)
PASSTHROUGH_KINDS = frozenset({"max_pool2d", "avg_pool2d", "flatten"})
WEIGHTED_KINDS = frozenset({"conv2d", "linear"})


class LoweringError(StudioError):
    """A model (or one of its ops) cannot be lowered to the int8 IR; the message names the op."""


@dataclass
class FloatOp:
    """One lowerable op. ``weight``/``bias`` are folded float tensors (OIHW or (O, I)); ``activation`` is the
    fused clamp ``(lo, hi)`` in real values (``None``: none); ``modules`` lists the source module paths."""

    kind: str
    name: str
    inputs: tuple[str, ...]
    output: str
    attrs: dict[str, Any] = field(default_factory=dict)
    weight: Any = None
    bias: Any = None
    activation: tuple[float, float] | None = None
    modules: tuple[str, ...] = ()


@dataclass
class FloatGraph:
    """``ops`` in execution order from ``input`` to ``output``; ``shapes`` per value (per sample, torch)."""

    name: str
    input: str
    output: str
    ops: list[FloatOp]
    shapes: dict[str, tuple[int, ...]]

    def op(self, name: str) -> FloatOp:
        """The op called ``name``; raises ``KeyError``."""
        for op in self.ops:
            if op.name == name:
                return op
        raise KeyError(name)

    def weighted_ops(self) -> list[FloatOp]:
        """Convolutions and linear layers, in order: the layers that have weights to quantize."""
        return [op for op in self.ops if op.kind in WEIGHTED_KINDS]


def effective_weight(module: Any) -> Any:
    """The weight a conv/linear module computes with (k-means modules rebuild it from their codebook)."""
    getter = getattr(module, "effective_weight", None)
    return getter() if callable(getter) else module.weight


def _attr(gm: Any, target: str) -> Any:
    value = gm
    for part in str(target).split("."):
        value = getattr(value, part)
    return value.detach()


def trace_float_graph(module: Any, input_shape: tuple[int, ...], name: str = "model") -> FloatGraph:
    """The :class:`FloatGraph` of ``module`` (not modified) for inputs of ``input_shape`` (with batch).

    Raises :class:`LoweringError` naming the first op that cannot be lowered or a model fx cannot trace.
    """
    import copy

    import torch
    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    from studio.int8.aten_trace import handle_aten, is_aten_graph
    from studio.int8.fx_trace import Builder, fold_and_fuse, handle_function, handle_module, leaf_tracer

    aten = is_aten_graph(module)
    if aten:  # an exported program's module: its graph is already traced, down to aten ops
        import warnings

        with warnings.catch_warnings():  # torch 2.13 warns about its own pytree specs when they are copied
            warnings.simplefilter("ignore", FutureWarning)
            gm = copy.deepcopy(module)
    else:
        module = copy.deepcopy(module).eval()
        try:
            gm = torch.fx.GraphModule(module, leaf_tracer().trace(module))
        except Exception as exc:
            raise LoweringError(f"{name}: torch.fx cannot trace the model ({type(exc).__name__}: {exc})") from None
    with torch.no_grad():
        ShapeProp(gm).propagate(torch.zeros(*input_shape))
    b = Builder(gm, name)
    constants: dict[str, Any] = {}
    graph_input = graph_output = None
    for node in gm.graph.nodes:
        meta = node.meta.get("tensor_meta")
        if meta is not None and hasattr(meta, "shape"):
            b.shapes[node.name] = tuple(int(d) for d in meta.shape[1:])
        if node.op == "placeholder":
            if graph_input is not None:
                raise LoweringError(f"{name}: only models with one input can be lowered")
            graph_input = node.name
        elif node.op == "get_attr" and aten:
            constants[node.name] = _attr(gm, node.target)
        elif node.op == "call_module" and aten:
            b.non_tensor.add(node.name)  # export's shape guards
        elif node.op == "call_module":
            handle_module(b, node)
        elif node.op == "call_function" and aten:
            handle_aten(b, node, constants)
        elif node.op in ("call_function", "call_method"):
            handle_function(b, node)
        elif node.op == "output":
            out = node.args[0]
            if isinstance(out, (tuple, list)):
                if len(out) != 1:
                    raise LoweringError(f"{name}: only models with one output can be lowered")
                out = out[0]
            graph_output = b.value(out)
        elif node.op == "get_attr":
            raise LoweringError(f"cannot lower {node.name}: models that read tensors directly are not supported")
    if graph_input is None or graph_output is None:
        raise LoweringError(f"{name}: the model has no input or no output")
    ops, rename = fold_and_fuse(b.ops, graph_output)
    return FloatGraph(name, graph_input, rename.get(graph_output, graph_output), ops, b.shapes)


# ---------------------------------------------------------------------------------------------- running

CallFn = Callable[["FloatOp", list[Any]], Any]
ObserveFn = Callable[[str, Any], Any]


def run_op(op: FloatOp, xs: list[Any], weight: Any = None, bias: Any = None) -> Any:
    """One op on float tensors (NCHW), with its fused clamp; ``weight``/``bias`` default to the op's own."""
    import torch
    import torch.nn.functional as F

    kind = op.kind
    weight = op.weight if weight is None else weight
    bias = op.bias if bias is None else bias
    if kind == "conv2d":
        pt, pb, pl, pr = op.attrs["padding"]
        a = op.attrs
        x = xs[0]
        if (pt, pl) == (pb, pr):
            y = F.conv2d(x, weight, bias, a["stride"], (pt, pl), a["dilation"], a["groups"])
        else:
            y = F.conv2d(F.pad(x, (pl, pr, pt, pb)), weight, bias, a["stride"], 0, a["dilation"], a["groups"])
    elif kind == "linear":
        y = F.linear(xs[0], weight, bias)
    elif kind in ("max_pool2d", "avg_pool2d"):
        pt, pb, pl, pr = op.attrs["padding"]
        if kind == "max_pool2d":
            y = F.max_pool2d(xs[0], op.attrs["kernel"], op.attrs["stride"], (pt, pl))
        else:
            y = F.avg_pool2d(xs[0], op.attrs["kernel"], op.attrs["stride"], (pt, pl), count_include_pad=False)
    elif kind == "add":
        y = xs[0] + xs[1]
    elif kind == "concat":
        y = torch.cat(xs, dim=1)
    elif kind == "flatten":
        y = torch.flatten(xs[0], 1)
    else:
        raise LoweringError(f"unknown float op kind {kind!r}")
    if op.activation is not None:
        lo, hi = op.activation
        y = torch.clamp(y, min=lo if lo != float("-inf") else None, max=hi if hi != float("inf") else None)
    return y


def run_float_graph(graph: FloatGraph, x: Any, *, call: CallFn | None = None, observe: ObserveFn | None = None) -> Any:
    """Run ``graph`` on the float tensor ``x`` (N, ...); returns the output tensor.

    ``call(op, inputs)`` replaces :func:`run_op` (the simulated-quantization model runs its weighted layers
    as submodules with fake-quantized weights). ``observe(value_name, tensor)`` is called on the input and
    on every op's output and returns the tensor to carry on with (calibration records it; simulation returns
    a fake-quantized copy).
    """
    values = {graph.input: observe(graph.input, x) if observe else x}
    for op in graph.ops:
        xs = [values[v] for v in op.inputs]
        y = call(op, xs) if call else run_op(op, xs)
        values[op.output] = observe(op.output, y) if observe else y
    return values[graph.output]
