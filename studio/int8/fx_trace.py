"""Tracing a torch module with ``torch.fx`` into :class:`~studio.int8.float_graph.FloatGraph` ops: one handler
per source construct (module type or function), then batch-norm folding and activation fusion.

Internal to :func:`studio.int8.float_graph.trace_float_graph`.
"""

from __future__ import annotations

import operator
from typing import Any

from studio.int8.float_graph import FloatOp, LoweringError, effective_weight


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


class Builder:
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


def handle_module(b: Builder, node: Any) -> None:
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


def handle_function(b: Builder, node: Any) -> None:
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


def fold_and_fuse(ops: list[FloatOp], output: str) -> tuple[list[FloatOp], dict[str, str]]:
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


def leaf_tracer() -> Any:
    return _leaf_tracer_class()()
