"""A float model as a flat list of int8-lowerable ops: batch norm folded, ReLU/ReLU6 fused, aliases removed.

Why a graph of our own: lowering to int8, calibration and fake-quant simulation must all see the very same
ops (a convolution *with* its folded batch norm and fused clamp), so that the simulated accuracy is the
integer model's. :func:`trace_float_graph` builds it from any ``nn.Module`` that ``torch.fx`` can trace and
that is made of conv / batch norm / ReLU(6) / pooling / add / concat / flatten / linear;
:func:`run_float_graph` executes it in float32 with hooks for observing or fake-quantizing every tensor.

Values are named after fx nodes; shapes are torch's per-sample shapes (C, H, W) or (K,).
"""

from __future__ import annotations

import operator
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


# ---------------------------------------------------------------------------------------------- tracing


def _pair(v: Any) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _conv_padding(module: Any) -> tuple[int, int, int, int]:
    if module.padding_mode != "zeros":
        raise LoweringError(f"{module}: padding mode {module.padding_mode!r} has no int8 kernel (only zeros)")
    pad = module.padding
    if isinstance(pad, str):
        if pad == "valid":
            return (0, 0, 0, 0)
        total = [d * (k - 1) for d, k in zip(module.dilation, module.kernel_size, strict=True)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = _pair(pad)
    return (ph, ph, pw, pw)


class _Builder:
    """Turns fx nodes into raw ops ("conv2d", "bn", "clamp", ...), then folds and fuses them."""

    def __init__(self, gm: Any, name: str) -> None:
        self.gm = gm
        self.name = name
        self.modules = dict(gm.named_modules())
        self.ops: list[FloatOp] = []
        self.alias: dict[str, str] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.non_tensor: set[str] = set()

    def value(self, node: Any) -> str:
        if not hasattr(node, "name"):
            raise LoweringError(f"{self.name}: expected a tensor, got the constant {node!r}")
        name = self.alias.get(node.name, node.name)
        if name in self.non_tensor:
            raise LoweringError(f"{self.name}: {node.name} is not a tensor")
        return name

    def add(self, kind: str, node: Any, inputs: list[Any], name: str | None = None, **kw: Any) -> None:
        op = FloatOp(kind, name or node.name, tuple(self.value(i) for i in inputs), node.name, **kw)
        self.ops.append(op)

    # one method per source construct --------------------------------------------------------------
    def conv(self, node: Any, m: Any, path: str) -> None:
        w = effective_weight(m).detach().float().clone()
        b = m.bias.detach().float().clone() if m.bias is not None else None
        attrs = {
            "stride": _pair(m.stride),
            "padding": _conv_padding(m),
            "dilation": _pair(m.dilation),
            "groups": int(m.groups),
        }
        self.add("conv2d", node, [node.args[0]], path, attrs=attrs, weight=w, bias=b, modules=(path,))

    def linear(self, node: Any, m: Any, path: str) -> None:
        w = effective_weight(m).detach().float().clone()
        b = m.bias.detach().float().clone() if m.bias is not None else None
        self.add("linear", node, [node.args[0]], path, weight=w, bias=b, modules=(path,))

    def batch_norm(self, node: Any, m: Any, path: str) -> None:
        import torch

        if m.running_mean is None or m.running_var is None:
            raise LoweringError(f"{path}: batch norm without running statistics cannot be folded")
        inv = 1.0 / torch.sqrt(m.running_var.detach().float() + m.eps)
        gamma = m.weight.detach().float() if m.weight is not None else torch.ones_like(inv)
        beta = m.bias.detach().float() if m.bias is not None else torch.zeros_like(inv)
        attrs = {"scale": gamma * inv, "shift": beta - m.running_mean.detach().float() * gamma * inv}
        self.add("bn", node, [node.args[0]], path, attrs=attrs, modules=(path,))

    def clamp(self, node: Any, lo: float, hi: float, path: str | None = None) -> None:
        self.add("clamp", node, [node.args[0]], path, attrs={"range": (lo, hi)}, modules=(path,) if path else ())

    def pool(self, node: Any, kind: str, kernel: Any, stride: Any, padding: Any, path: str, **checks: Any) -> None:
        if checks.get("ceil_mode"):
            raise LoweringError(f"{path}: ceil_mode pooling has no int8 kernel")
        if checks.get("dilation", 1) not in (1, (1, 1)):
            raise LoweringError(f"{path}: dilated pooling has no int8 kernel")
        if checks.get("divisor_override"):
            raise LoweringError(f"{path}: average pooling with divisor_override has no int8 kernel")
        kh, kw = _pair(kernel)
        sh, sw = _pair(stride if stride not in (None, ()) else kernel)
        ph, pw = _pair(padding)
        if kind == "avg_pool2d" and (ph or pw) and checks.get("count_include_pad", True):
            raise LoweringError(f"{path}: average pooling that counts padding has no int8 kernel")
        attrs = {"kernel": (kh, kw), "stride": (sh, sw), "padding": (ph, ph, pw, pw)}
        self.add(kind, node, [node.args[0]], path, attrs=attrs, modules=(path,))

    def adaptive_avg(self, node: Any, size: Any, path: str) -> None:
        _, h, w = self.shapes[self.value(node.args[0])]
        oh, ow = _pair(size)
        if h % oh or w % ow:
            raise LoweringError(f"{path}: adaptive pooling of {h}x{w} to {oh}x{ow} is not a fixed window")
        kernel = (h // oh, w // ow)
        self.add(
            "avg_pool2d",
            node,
            [node.args[0]],
            path,
            attrs={"kernel": kernel, "stride": kernel, "padding": (0, 0, 0, 0)},
            modules=(path,),
        )

    def flatten(self, node: Any, path: str) -> None:
        src = self.shapes[self.value(node.args[0])]
        out = self.shapes.get(node.name)
        if out is None or len(out) != 1:
            raise LoweringError(f"{path}: only flattening a sample to one vector can be lowered")
        if len(src) == 1:
            self.alias[node.name] = self.value(node.args[0])
            return
        self.add("flatten", node, [node.args[0]], path, attrs={"from_shape": src}, modules=(path,))


def _handle_module(b: _Builder, node: Any) -> None:
    from torch import nn

    path = str(node.target)
    m = b.modules[path]
    if isinstance(m, nn.Conv2d):
        b.conv(node, m, path)
    elif isinstance(m, nn.Linear):
        b.linear(node, m, path)
    elif isinstance(m, nn.BatchNorm2d):
        b.batch_norm(node, m, path)
    elif isinstance(m, nn.ReLU):
        b.clamp(node, 0.0, float("inf"), path)
    elif isinstance(m, nn.ReLU6):  # before Hardtanh: ReLU6 subclasses it
        b.clamp(node, 0.0, 6.0, path)
    elif isinstance(m, nn.Hardtanh):
        b.clamp(node, float(m.min_val), float(m.max_val), path)
    elif isinstance(m, nn.MaxPool2d):
        b.pool(node, "max_pool2d", m.kernel_size, m.stride, m.padding, path, ceil_mode=m.ceil_mode, dilation=m.dilation)
    elif isinstance(m, nn.AvgPool2d):
        b.pool(
            node,
            "avg_pool2d",
            m.kernel_size,
            m.stride,
            m.padding,
            path,
            ceil_mode=m.ceil_mode,
            count_include_pad=m.count_include_pad,
            divisor_override=m.divisor_override,
        )
    elif isinstance(m, nn.AdaptiveAvgPool2d):
        b.adaptive_avg(node, m.output_size, path)
    elif isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise LoweringError(f"{path}: only Flatten(1, -1) can be lowered")
        b.flatten(node, path)
    elif isinstance(m, (nn.Dropout, nn.Dropout2d, nn.Identity)):
        b.alias[node.name] = b.value(node.args[0])
    else:
        raise LoweringError(f"cannot lower layer {path} ({type(m).__name__}) to int8: {_SUPPORTED}")


_SUPPORTED = "supported are Conv2d, BatchNorm2d, ReLU, ReLU6, Max/AvgPool2d, global pooling, add, cat, flatten, Linear"


def _arg(node: Any, index: int, key: str, default: Any) -> Any:
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(key, default)


def _handle_function(b: _Builder, node: Any) -> None:
    import torch
    import torch.nn.functional as F

    target = node.target
    label = getattr(target, "__name__", str(target))
    if target in (operator.add, operator.iadd, torch.add) or (node.op == "call_method" and target in ("add", "add_")):
        a, c = node.args[0], node.args[1]
        if not (hasattr(a, "name") and hasattr(c, "name")) or node.kwargs.get("alpha", 1) != 1:
            raise LoweringError(f"cannot lower {node.name} ({label}): only the sum of two tensors is supported")
        b.add("add", node, [a, c])
    elif target in (torch.cat, torch.concat):
        tensors = list(_arg(node, 0, "tensors", []))
        dim = int(_arg(node, 1, "dim", 0))
        rank = len(b.shapes[b.value(tensors[0])]) + 1
        if dim % rank != 1:
            raise LoweringError(f"cannot lower {node.name}: only concatenation along channels is supported")
        b.add("concat", node, tensors, attrs={"axis": 1})
    elif target in (F.relu, torch.relu) or (node.op == "call_method" and target in ("relu", "relu_")):
        b.clamp(node, 0.0, float("inf"))
    elif target is F.relu6:
        b.clamp(node, 0.0, 6.0)
    elif target is F.hardtanh:
        b.clamp(node, float(_arg(node, 1, "min_val", -1.0)), float(_arg(node, 2, "max_val", 1.0)))
    elif target is F.adaptive_avg_pool2d:
        b.adaptive_avg(node, _arg(node, 1, "output_size", 1), node.name)
    elif target is F.max_pool2d:
        kernel = _arg(node, 1, "kernel_size", 2)
        b.pool(
            node,
            "max_pool2d",
            kernel,
            _arg(node, 2, "stride", None),
            _arg(node, 3, "padding", 0),
            node.name,
            dilation=_arg(node, 4, "dilation", 1),
            ceil_mode=_arg(node, 5, "ceil_mode", False),
        )
    elif target is F.avg_pool2d:
        kernel = _arg(node, 1, "kernel_size", 2)
        b.pool(
            node,
            "avg_pool2d",
            kernel,
            _arg(node, 2, "stride", None),
            _arg(node, 3, "padding", 0),
            node.name,
            ceil_mode=_arg(node, 4, "ceil_mode", False),
            count_include_pad=_arg(node, 5, "count_include_pad", True),
            divisor_override=_arg(node, 6, "divisor_override", None),
        )
    elif target is torch.flatten or (node.op == "call_method" and target in ("flatten", "view", "reshape")):
        b.flatten(node, node.name)
    elif target in (F.dropout, torch.nn.functional.dropout2d) or (node.op == "call_method" and target == "contiguous"):
        b.alias[node.name] = b.value(node.args[0])
    elif node.op == "call_method" and target == "size":
        b.non_tensor.add(node.name)
    else:
        raise LoweringError(f"cannot lower {node.name} ({label}) to int8: {_SUPPORTED}")


def _consumers(ops: list[FloatOp], output: str) -> dict[str, int]:
    count: dict[str, int] = {output: 1}
    for op in ops:
        for v in op.inputs:
            count[v] = count.get(v, 0) + 1
    return count


def _fold_and_fuse(ops: list[FloatOp], output: str) -> tuple[list[FloatOp], dict[str, str]]:
    """Fold each batch norm into the convolution before it and each clamp into its producer; returns the ops
    and the renaming of fused values to their producer's output."""
    producers: dict[str, FloatOp] = {}
    result: list[FloatOp] = []
    consumers = _consumers(ops, output)
    rename: dict[str, str] = {}
    for op in ops:
        op.inputs = tuple(rename.get(v, v) for v in op.inputs)
        if op.kind in ("bn", "clamp"):
            src = producers.get(op.inputs[0])
            if op.kind == "bn":
                if src is None or src.kind != "conv2d" or src.activation is not None or consumers[op.inputs[0]] != 1:
                    raise LoweringError(f"batch norm {op.name} does not directly follow a convolution: cannot fold it")
                scale, shift = op.attrs["scale"], op.attrs["shift"]
                src.weight = src.weight * scale.reshape(-1, *([1] * (src.weight.dim() - 1)))
                src.bias = shift if src.bias is None else src.bias * scale + shift
            else:
                fusable = src is not None and src.kind in ("conv2d", "linear", "add", "concat")
                if not fusable or consumers[op.inputs[0]] != 1:
                    raise LoweringError(f"activation {op.name} must directly follow a conv, linear or add to be fused")
                lo, hi = op.attrs["range"]
                if src.activation is not None:
                    lo, hi = max(lo, src.activation[0]), min(hi, src.activation[1])
                src.activation = (lo, hi)
            src.modules = src.modules + op.modules
            del producers[src.output]
            rename[op.output] = src.output
            consumers[src.output] = consumers.get(op.output, 0)
            producers[src.output] = src
            continue
        producers[op.output] = op
        result.append(op)
    return result, rename


def _leaf_tracer_class() -> Any:
    import torch.fx
    from torch import nn

    class LeafTracer(torch.fx.Tracer):
        """Keeps every conv and linear layer (also the studio's own subclasses) as one call."""

        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return isinstance(m, (nn.Conv2d, nn.Linear)) or super().is_leaf_module(m, qualname)

    return LeafTracer


def _LeafTracer() -> Any:
    return _leaf_tracer_class()()


def trace_float_graph(module: Any, input_shape: tuple[int, ...], name: str = "model") -> FloatGraph:
    """The :class:`FloatGraph` of ``module`` (not modified) for inputs of ``input_shape`` (with batch).

    Raises :class:`LoweringError` naming the first op that cannot be lowered or a model fx cannot trace.
    """
    import copy

    import torch
    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    module = copy.deepcopy(module).eval()
    try:
        gm = torch.fx.GraphModule(module, _LeafTracer().trace(module))
    except Exception as exc:
        raise LoweringError(f"{name}: torch.fx cannot trace the model ({type(exc).__name__}: {exc})") from None
    with torch.no_grad():
        ShapeProp(gm).propagate(torch.zeros(*input_shape))
    b = _Builder(gm, name)
    graph_input = graph_output = None
    for node in gm.graph.nodes:
        meta = node.meta.get("tensor_meta")
        if meta is not None and hasattr(meta, "shape"):
            b.shapes[node.name] = tuple(int(d) for d in meta.shape[1:])
        if node.op == "placeholder":
            if graph_input is not None:
                raise LoweringError(f"{name}: only models with one input can be lowered")
            graph_input = node.name
        elif node.op == "call_module":
            _handle_module(b, node)
        elif node.op in ("call_function", "call_method"):
            _handle_function(b, node)
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
    ops, rename = _fold_and_fuse(b.ops, graph_output)
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
