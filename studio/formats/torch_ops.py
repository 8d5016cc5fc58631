"""How each aten op becomes an IR node: ONNX op name, activation inputs, ONNX attributes, params by role.

Why a module of its own: :mod:`studio.formats.torch_graph` walks the exported program (constants, aliases,
names); this module holds the per-op knowledge, one small handler per family of ops, so adding an op is
one method and one table entry. Ops without a handler keep their aten name (``aten.gelu``) and arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.graph.ir import TensorInfo

if TYPE_CHECKING:
    import torch
    from torch.fx import Node as FxNode

    from studio.formats.torch_graph import ProgramConverter


def words(text: str) -> list[str]:
    """Whitespace-separated names: op tables read as prose and stay short."""
    return text.split()


# aten name -> ONNX op name for ops whose handler needs no more than that.
_ONNX_NAMES = dict(
    pair.split(":")
    for pair in words(
        """relu:Relu sigmoid:Sigmoid tanh:Tanh hardswish:HardSwish hardsigmoid:HardSigmoid gelu:Gelu
    leaky_relu:LeakyRelu elu:Elu add:Add sub:Sub mul:Mul div:Div neg:Neg exp:Exp sqrt:Sqrt pow:Pow abs:Abs
    erf:Erf _log_softmax:LogSoftmax log_softmax:LogSoftmax mm:MatMul matmul:MatMul bmm:MatMul
    max_pool2d:MaxPool max_pool2d_with_indices:MaxPool max_pool1d:MaxPool avg_pool2d:AveragePool
    avg_pool1d:AveragePool cat:Concat concat:Concat flatten:Flatten view:Reshape reshape:Reshape
    _unsafe_view:Reshape permute:Transpose transpose:Transpose t:Transpose squeeze:Squeeze
    unsqueeze:Unsqueeze softmax:Softmax _softmax:Softmax pad:Pad constant_pad_nd:Pad upsample_nearest2d:Resize
    upsample_bilinear2d:Resize layer_norm:LayerNormalization embedding:Gather"""
    )
)


def aten_name(target: Any) -> str:
    """``aten.conv2d.default`` -> ``conv2d``; in-place ``relu_`` -> ``relu``; callables: ``__name__``."""
    packet = getattr(target, "_overloadpacket", None)
    name = str(packet.__name__) if packet is not None else str(getattr(target, "__name__", target))
    return name[:-1] if name.endswith("_") and not name.endswith("__") else name


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    import torch

    t = tensor.detach().cpu()
    if t.dtype in (torch.bfloat16,) or t.is_quantized:
        t = t.dequantize() if t.is_quantized else t.float()
    return np.array(t.numpy(), copy=True)


def is_concrete(dim: Any) -> bool:
    # A SymInt is not an int; calling int() on it would specialise the shape, so don't.
    return isinstance(dim, int)


def _ints(value: Any, n: int, default: int) -> list[int]:
    """An int-or-list torch argument as a list of ``n`` ints (empty lists mean ``default``)."""
    if value is None or (isinstance(value, (list, tuple)) and len(value) == 0):
        return [default] * n
    if isinstance(value, (list, tuple)):
        vals = [int(v) for v in value]
        return vals * n if len(vals) == 1 else vals
    return [int(value)] * n


class OpCall:
    """What a handler fills in for one op: ONNX op name, activation inputs, attributes, params by role."""

    def __init__(self, conv: ProgramConverter, fx: FxNode, aten: str, bound: dict[str, Any]) -> None:
        self.conv = conv
        self.fx = fx
        self.aten = aten
        self.bound = bound
        self.op = _ONNX_NAMES.get(aten, f"aten.{aten}")
        self.inputs: list[str] = []
        self.attrs: dict[str, Any] = {}
        self.params: dict[str, np.ndarray] = {}

    def constant(self, arg: str) -> np.ndarray | None:
        """The named argument as a numpy array when it is a constant tensor, else ``None``."""
        value = self.bound.get(arg)
        name = getattr(value, "name", None)
        if name is not None and name in self.conv.constants:
            return to_numpy(self.conv.constants[name])
        return None

    def take(self, arg: str, role: str | None = None) -> None:
        """Record the named argument: as an activation input, or as ``params[role]`` if it is a constant."""
        self._take_value(self.bound.get(arg), role or arg)

    def _take_value(self, value: Any, role: str) -> None:
        name = getattr(value, "name", None)
        if name is None:
            return
        if name in self.conv.constants:
            self.params[role] = to_numpy(self.conv.constants[name])
        elif name in self.conv.tensor_of:
            self.inputs.append(self.conv.tensor_of[name])

    def scalar(self, arg: str, default: Any = None) -> Any:
        value = self.bound.get(arg, default)
        name = getattr(value, "name", None)
        return self.conv.scalars.get(name, default) if name is not None else value

    # ------------------------------------------------------------------------------------------ handlers
    def generic(self) -> None:
        """Any op: tensors become inputs or params (a parameter's own name is its role), scalars attrs."""
        for key, value in self.bound.items():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                name = getattr(item, "name", None)
                if name is None:
                    continue
                fqn = self.conv.const_fqn.get(name)
                self._take_value(item, fqn.rsplit(".", 1)[-1] if fqn else key)
            if all(isinstance(v, (int, float, bool, str)) or v is None for v in items) and value is not None:
                self.attrs[key] = list(value) if isinstance(value, (list, tuple)) else value

    def conv_nd(self) -> None:
        weight = self.constant("weight")
        self.take("input")
        self.take("weight")
        self.take("bias")
        rank = len(weight.shape) - 2 if weight is not None else 2
        kernel = list(weight.shape[2:]) if weight is not None else []
        transposed = bool(self.scalar("transposed", False))
        self.op = "ConvTranspose" if transposed else "Conv"
        strides = _ints(self.scalar("stride"), rank, 1)
        dilations = _ints(self.scalar("dilation"), rank, 1)
        padding = self.scalar("padding")
        if isinstance(padding, str):
            totals = [d * (k - 1) if padding == "same" else 0 for d, k in zip(dilations, kernel, strict=False)]
            pads = [t // 2 for t in totals] + [t - t // 2 for t in totals]
        else:
            pads = _ints(padding, rank, 0) * 2
        self.attrs = {
            "kernel_shape": [int(k) for k in kernel],
            "strides": strides,
            "pads": pads,
            "dilations": dilations,
            "group": int(self.scalar("groups", 1)),
        }

    def linear(self) -> None:
        self.op = "Gemm"
        self.take("input")
        self.take("weight")
        self.take("bias")

    def addmm(self) -> None:
        # Core-aten linear: addmm(bias, x, weight.T); the IR stores the weight as (out, in).
        self.op = "Gemm"
        self.take("mat1")
        weight = self.constant("mat2")
        if weight is not None:
            self.params["weight"] = np.ascontiguousarray(weight.T)
        else:
            self.take("mat2")
        self.take("self", "bias")

    def matmul(self) -> None:
        self.op = "MatMul"
        first, second = ("self", "mat2") if "mat2" in self.bound else ("self", "other")
        self.take(first)
        weight = self.constant(second)
        if weight is not None and weight.ndim == 2:
            self.params["weight"] = np.ascontiguousarray(weight.T)
        else:
            self.take(second)

    def batch_norm(self) -> None:
        self.op = "BatchNormalization"
        self.take("input")
        for arg, role in (
            ("weight", "scale"),
            ("bias", "bias"),
            ("running_mean", "mean"),
            ("running_var", "var"),
        ):
            self.take(arg, role)
        self.attrs = {
            "epsilon": float(self.scalar("eps", 1e-5)),
            "momentum": float(self.scalar("momentum", 0.1)),
        }

    def pool(self) -> None:
        self.take("self")
        rank = 1 if self.aten.endswith("1d") else 2
        kernel = _ints(self.scalar("kernel_size"), rank, 1)
        self.attrs = {
            "kernel_shape": kernel,
            "strides": _ints(self.scalar("stride"), rank, 0),
            "pads": _ints(self.scalar("padding"), rank, 0) * 2,
            "ceil_mode": int(bool(self.scalar("ceil_mode", False))),
        }
        if self.attrs["strides"] == [0] * rank:
            self.attrs["strides"] = kernel
        if self.op == "MaxPool":
            self.attrs["dilations"] = _ints(self.scalar("dilation"), rank, 1)
        else:
            self.attrs["count_include_pad"] = int(bool(self.scalar("count_include_pad", True)))

    def adaptive_avg_pool(self) -> None:
        self.take("self")
        size = _ints(self.scalar("output_size"), 2, 1)
        self.op = "GlobalAveragePool" if all(s == 1 for s in size) else "aten.adaptive_avg_pool2d"
        if self.op != "GlobalAveragePool":
            self.attrs["output_size"] = size

    def mean(self) -> None:
        self.take("self")
        dims = self.scalar("dim") or []
        keep = bool(self.scalar("keepdim", False))
        spatial = sorted(int(d) % 4 for d in dims) == [2, 3] if dims else False
        val = self.fx.meta.get("val")
        if spatial and keep and getattr(val, "dim", lambda: 0)() == 4:
            self.op = "GlobalAveragePool"
        else:
            self.op = "ReduceMean"
            self.attrs = {"axes": [int(d) for d in dims], "keepdims": int(keep)}

    def elementwise(self) -> None:
        """Binary and unary ops: tensor operands are inputs (or a ``constant`` param); scalars are attrs."""
        for arg in ("self", "other", "input", "exponent"):
            value = self.bound.get(arg)
            if getattr(value, "name", None) is not None:
                self.take(arg, "constant")
            elif isinstance(value, (int, float)) and arg in ("other", "exponent"):
                self.attrs["scalar"] = value
        if "alpha" in self.bound and self.bound["alpha"] not in (1, None):
            self.attrs["alpha"] = self.scalar("alpha")
        if self.aten in ("hardtanh", "clamp"):
            self.op = "Clip"
            low = self.scalar("min_val", self.scalar("min"))
            high = self.scalar("max_val", self.scalar("max"))
            self.attrs = {"min": low, "max": high}
            if low == 0 and high is None:
                self.op, self.attrs = "Relu", {}

    def concat(self) -> None:
        for item in self.bound.get("tensors", []):
            self._take_value(item, f"constant{len(self.params)}")
        self.attrs = {"axis": int(self.scalar("dim", 0))}

    def reshape(self) -> None:
        self.take("self")
        if self.aten == "flatten":
            self.attrs = {
                "axis": int(self.scalar("start_dim", 0)),
                "end_dim": int(self.scalar("end_dim", -1)),
            }
        else:
            val = self.fx.meta.get("val")
            self.attrs = {"shape": [int(d) if is_concrete(d) else str(d) for d in getattr(val, "shape", [])]}
        val = self.fx.meta.get("val")
        if self.aten != "flatten" and getattr(val, "dim", lambda: 0)() == 2:
            self.op = "Flatten" if self.attrs["shape"][0] == _first_dim(self.conv, self.inputs) else "Reshape"
            if self.op == "Flatten":
                self.attrs = {"axis": 1}

    def softmax(self) -> None:
        self.take("self")
        self.attrs = {"axis": int(self.scalar("dim", -1))}

    def transpose(self) -> None:
        self.take("self")
        val = self.fx.meta.get("val")
        rank = getattr(val, "dim", lambda: 2)()
        if self.aten == "permute":
            perm = [int(d) % rank for d in self.scalar("dims")]
        else:
            perm = list(range(rank))
            a, b = (int(self.scalar("dim0", 0)) % rank, int(self.scalar("dim1", 1)) % rank)
            perm[a], perm[b] = perm[b], perm[a]
        self.attrs = {"perm": perm}

    def layer_norm(self) -> None:
        self.take("input")
        self.take("weight", "scale")
        self.take("bias")
        self.attrs = {
            "normalized_shape": list(self.scalar("normalized_shape") or []),
            "epsilon": float(self.scalar("eps", 1e-5)),
        }

    def embedding(self) -> None:
        self.take("weight")
        self.take("indices")


def _first_dim(conv: ProgramConverter, inputs: list[str]) -> Any:
    if not inputs:
        return None
    shape = conv.tensors.get(inputs[0], TensorInfo(inputs[0])).shape
    return shape[0] if shape else None


_HANDLER_GROUPS: dict[Callable[[OpCall], None], str] = {
    OpCall.conv_nd: "conv1d conv2d conv3d convolution conv_transpose2d",
    OpCall.linear: "linear",
    OpCall.addmm: "addmm",
    OpCall.matmul: "mm matmul bmm",
    OpCall.batch_norm: "batch_norm _native_batch_norm_legit_no_training",
    OpCall.pool: "max_pool2d max_pool2d_with_indices max_pool1d avg_pool2d avg_pool1d",
    OpCall.adaptive_avg_pool: "adaptive_avg_pool2d _adaptive_avg_pool2d",
    OpCall.mean: "mean",
    OpCall.concat: "cat concat",
    OpCall.reshape: "flatten view reshape _unsafe_view",
    OpCall.softmax: "softmax _softmax log_softmax _log_softmax",
    OpCall.transpose: "permute transpose t",
    OpCall.layer_norm: "layer_norm",
    OpCall.embedding: "embedding",
    OpCall.elementwise: "relu sigmoid tanh hardswish hardsigmoid gelu silu leaky_relu elu add sub mul div "
    "neg exp sqrt pow abs erf hardtanh clamp",
}
HANDLERS = {name: handler for handler, names in _HANDLER_GROUPS.items() for name in names.split()}
