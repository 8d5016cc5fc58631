"""The studio's integer-only model (int8 IR): tensors, ops in execution order, and their exact parameters.

This is a contract: the reference executor (:mod:`studio.int8.reference`) and the C code generated for
microcontrollers must compute the same bytes from it. Format version 1; later versions only add.

Conventions
-----------
- **Layout NHWC.** A tensor's ``shape`` is the shape of ONE sample, without the batch dimension:
  ``(H, W, C)`` for a feature map, ``(C,)`` for a vector. Executors take a leading batch dimension ``N``.
  (Torch is NCHW; :mod:`studio.int8.lower` transposes inputs and permutes weights accordingly.)
- **Activations** are int8 with a per-tensor affine quantization ``real = scale * (q - zero_point)``,
  ``zero_point`` in [-128, 127], ``scale > 0`` (float64 in the file; executors never use it, only the
  integer parameters derived from it and stored in the ops).
- **Weights** are int8, symmetric per output channel: ``real = weight_scale[c] * w``, zero point 0. With
  ``weight_bits = b`` (2..8) the values lie in ``[-(2**(b-1) - 1), 2**(b-1) - 1]`` and are still stored one
  per int8 byte. Conv weights are OHWI ``(Cout, KH, KW, Cin // groups)``; depthwise is ``groups == Cin``.
  Fully connected weights are ``(Cout, Cin)``, ``Cin`` in the NHWC flattening order of the input.
- **Bias** is int32 per output channel with scale ``input_scale * weight_scale[c]`` and zero point 0.
- **Requantization** ``multiplier`` (int32, Q31, in ``[2**30, 2**31)`` or 0) and ``shift`` (int32, positive =
  left shift), per output channel, TFLite's ``QuantizeMultiplier`` convention; see the reference executor
  for the exact arithmetic.
- **Fused activations** are the clamp ``[act_min, act_max]`` applied to the int8 output (ReLU: ``act_min`` =
  the output zero point; ReLU6: ``act_max`` = the code of 6.0; none: -128..127).
- **Padding** is explicit ``(top, bottom, left, right)``. Conv pads with the input zero point (real 0);
  max pooling ignores padded positions; average pooling excludes them from the count.
- Every op reads tensors produced earlier (or model inputs) and writes one tensor no one else writes.

Ops: :class:`Conv2D`, :class:`FullyConnected`, :class:`MaxPool2D`, :class:`AveragePool2D`, :class:`Add`,
:class:`Concat`, :class:`Reshape`. Each is a frozen dataclass with a ``kind`` (its name in the file); arrays
are read-only numpy arrays of the dtypes listed in ``ARRAYS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from studio.core.errors import StudioError

FORMAT_NAME = "tinyml-studio-int8"
FORMAT_VERSION = 1
INT8_MIN, INT8_MAX = -128, 127
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class Int8ModelError(StudioError):
    """An int8 model is inconsistent (shapes, dtypes, wiring) or its file cannot be read."""


@dataclass(frozen=True)
class TensorSpec:
    """An int8 activation tensor: per-sample NHWC ``shape`` and its affine quantization."""

    name: str
    shape: tuple[int, ...]
    scale: float
    zero_point: int

    @property
    def size(self) -> int:
        """Elements per sample (the bytes one sample of it occupies)."""
        return int(np.prod(self.shape, dtype=np.int64))

    def real_range(self) -> tuple[float, float]:
        """The real values of codes -128 and 127."""
        return self.scale * (INT8_MIN - self.zero_point), self.scale * (INT8_MAX - self.zero_point)


def _frozen_array(value: Any, dtype: Any, name: str) -> np.ndarray:
    array = np.asarray(value)
    target = np.dtype(dtype)
    if array.dtype != target and array.size:
        if target.kind == "i":
            if array.dtype.kind not in "iub":
                raise Int8ModelError(f"{name}: expected {target.name}, got {array.dtype.name}")
            info = np.iinfo(target)
            if int(array.min()) < info.min or int(array.max()) > info.max:
                raise Int8ModelError(f"{name}: values do not fit {target.name}")
        elif array.dtype.kind not in "iuf":
            raise Int8ModelError(f"{name}: expected {target.name}, got {array.dtype.name}")
    array = np.array(array, dtype=target, copy=True, order="C")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class _Op:
    """Fields shared by every op: a ``name`` (the source layer), ``inputs`` and the ``output`` tensor."""

    kind: ClassVar[str] = ""
    #: array fields and their dtypes
    ARRAYS: ClassVar[Mapping[str, Any]] = {}

    name: str
    inputs: tuple[str, ...]
    output: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in self.ARRAYS:
                object.__setattr__(self, f.name, _frozen_array(value, self.ARRAYS[f.name], f"{self.name}.{f.name}"))
            elif isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        """The output's per-sample shape given the inputs' (raises :class:`Int8ModelError` when they don't fit)."""
        raise NotImplementedError

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        """Further consistency checks (arrays, quantization); raises :class:`Int8ModelError`."""


def _pool_out(size: int, kernel: int, stride: int, pad_a: int, pad_b: int, dilation: int = 1) -> int:
    return (size + pad_a + pad_b - dilation * (kernel - 1) - 1) // stride + 1


def _check_act(op: Any, out: TensorSpec) -> None:
    if not INT8_MIN <= op.act_min <= op.act_max <= INT8_MAX:
        raise Int8ModelError(f"{op.name}: activation clamp [{op.act_min}, {op.act_max}] is not within int8")


def _check_requant(op: Any, channels: int) -> None:
    for name in ("multiplier", "shift"):
        array = getattr(op, name)
        if array.shape != (channels,):
            raise Int8ModelError(f"{op.name}.{name}: shape {array.shape}, expected ({channels},)")
    m = op.multiplier.astype(np.int64)
    if np.any((m != 0) & ((m < 2**30) | (m > INT32_MAX))):
        raise Int8ModelError(f"{op.name}: requantization multipliers must be 0 or in [2^30, 2^31)")
    if np.any((op.shift < -31) | (op.shift > 30)):
        raise Int8ModelError(f"{op.name}: requantization shifts must be in [-31, 30]")


def _check_weights(op: Any, channels: int) -> None:
    if op.bias.shape != (channels,) or op.weight_scale.shape != (channels,):
        raise Int8ModelError(f"{op.name}: bias and weight_scale need one value per output channel ({channels})")
    if not 2 <= op.weight_bits <= 8:
        raise Int8ModelError(f"{op.name}: weight_bits must be 2..8, got {op.weight_bits}")
    limit = 2 ** (op.weight_bits - 1) - 1
    if op.weights.size and int(np.abs(op.weights.astype(np.int32)).max()) > limit:
        raise Int8ModelError(f"{op.name}: weights exceed +-{limit}, the range of {op.weight_bits}-bit weights")
    # The int32 accumulator must never overflow: |x - zp| <= 255 for every input code.
    per_channel = np.abs(op.weights.reshape(channels, -1).astype(np.int64)).sum(axis=1) * 255
    worst = per_channel + np.abs(op.bias.astype(np.int64))
    if worst.size and int(worst.max()) > INT32_MAX:
        raise Int8ModelError(f"{op.name}: the int32 accumulator could overflow (worst case {int(worst.max())})")
    _check_requant(op, channels)


@dataclass(frozen=True, eq=False)
class Conv2D(_Op):
    """2-D convolution (regular, depthwise/grouped via ``groups``, pointwise as 1x1) with a fused clamp.

    ``acc[c] = bias[c] + sum((x - input_zp) * weights[c])`` over the (padded) window, then requantized:
    ``out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + output_zp, act_min, act_max)``.
    """

    kind: ClassVar[str] = "conv2d"
    ARRAYS: ClassVar[Mapping[str, Any]] = {
        "weights": np.int8,
        "bias": np.int32,
        "multiplier": np.int32,
        "shift": np.int32,
        "weight_scale": np.float64,
    }

    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 1, 1, 1), np.int8))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    weight_scale: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    act_min: int = INT8_MIN
    act_max: int = INT8_MAX
    weight_bits: int = 8

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        (shape,) = shapes
        if len(shape) != 3 or self.weights.ndim != 4:
            raise Int8ModelError(f"{self.name}: conv2d needs an HWC input and OHWI weights")
        h, w, c = shape
        cout, kh, kw, cin_g = self.weights.shape
        if self.groups < 1 or c % self.groups or cout % self.groups or c // self.groups != cin_g:
            raise Int8ModelError(f"{self.name}: {c} input channels do not fit weights {self.weights.shape}")
        pt, pb, pl, pr = self.padding
        ho = _pool_out(h, kh, self.stride[0], pt, pb, self.dilation[0])
        wo = _pool_out(w, kw, self.stride[1], pl, pr, self.dilation[1])
        if ho < 1 or wo < 1:
            raise Int8ModelError(f"{self.name}: the kernel does not fit the {h}x{w} input")
        return (ho, wo, cout)

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        _check_weights(self, self.weights.shape[0])
        _check_act(self, out)


@dataclass(frozen=True, eq=False)
class FullyConnected(_Op):
    """``acc[c] = bias[c] + sum((x - input_zp) * weights[c, :])`` over the flattened input, then as Conv2D."""

    kind: ClassVar[str] = "fully_connected"
    ARRAYS: ClassVar[Mapping[str, Any]] = Conv2D.ARRAYS

    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int8))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    weight_scale: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    act_min: int = INT8_MIN
    act_max: int = INT8_MAX
    weight_bits: int = 8

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        (shape,) = shapes
        if self.weights.ndim != 2 or int(np.prod(shape)) != self.weights.shape[1]:
            raise Int8ModelError(f"{self.name}: input of {int(np.prod(shape))} values, weights {self.weights.shape}")
        return (self.weights.shape[0],)

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        _check_weights(self, self.weights.shape[0])
        _check_act(self, out)


@dataclass(frozen=True, eq=False)
class _Pool(_Op):
    kernel: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    act_min: int = INT8_MIN
    act_max: int = INT8_MAX

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        (shape,) = shapes
        if len(shape) != 3:
            raise Int8ModelError(f"{self.name}: pooling needs an HWC input, got {shape}")
        h, w, c = shape
        pt, pb, pl, pr = self.padding
        if max(pt, pb) >= self.kernel[0] or max(pl, pr) >= self.kernel[1]:
            raise Int8ModelError(f"{self.name}: padding must be smaller than the kernel")
        ho = _pool_out(h, self.kernel[0], self.stride[0], pt, pb)
        wo = _pool_out(w, self.kernel[1], self.stride[1], pl, pr)
        if ho < 1 or wo < 1:
            raise Int8ModelError(f"{self.name}: the {self.kernel} window does not fit the {h}x{w} input")
        return (ho, wo, c)

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        src = tensors[0]
        if (src.scale, src.zero_point) != (out.scale, out.zero_point):
            raise Int8ModelError(f"{self.name}: pooling keeps the quantization; input and output must share it")
        _check_act(self, out)


@dataclass(frozen=True, eq=False)
class MaxPool2D(_Pool):
    """Maximum over each window of valid (non-padded) codes, then clamped. Input and output share scale/zp."""

    kind: ClassVar[str] = "max_pool2d"


@dataclass(frozen=True, eq=False)
class AveragePool2D(_Pool):
    """Mean of the valid codes of each window, rounded half away from zero, then clamped (TFLite's rule):
    ``avg = (sum + count // 2) // count`` if ``sum > 0`` else ``(sum - count // 2) // count``, with
    division truncating toward zero. Global average pooling is a kernel of the whole H x W."""

    kind: ClassVar[str] = "average_pool2d"


@dataclass(frozen=True, eq=False)
class Add(_Op):
    """Element-wise sum of two tensors of one shape with their own quantization (TFLite's int8 ADD).

    ``a = MBQM((x1 - zp1) << left_shift, input1_multiplier, input1_shift)``, likewise ``b`` for input 2,
    ``out = clamp(MBQM(a + b, output_multiplier, output_shift) + output_zp, act_min, act_max)``.
    """

    kind: ClassVar[str] = "add"

    input1_multiplier: int = 0
    input1_shift: int = 0
    input2_multiplier: int = 0
    input2_shift: int = 0
    output_multiplier: int = 0
    output_shift: int = 0
    left_shift: int = 20
    act_min: int = INT8_MIN
    act_max: int = INT8_MAX

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        if len(shapes) != 2 or shapes[0] != shapes[1]:
            raise Int8ModelError(f"{self.name}: add needs two inputs of one shape, got {shapes}")
        return shapes[0]

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        for m in (self.input1_multiplier, self.input2_multiplier, self.output_multiplier):
            if m != 0 and not 2**30 <= m <= INT32_MAX:
                raise Int8ModelError(f"{self.name}: requantization multipliers must be 0 or in [2^30, 2^31)")
        if not 0 <= self.left_shift <= 20:
            raise Int8ModelError(f"{self.name}: left_shift must be 0..20")
        _check_act(self, out)


@dataclass(frozen=True, eq=False)
class Concat(_Op):
    """Concatenation along ``axis`` of the per-sample shape (default: channels, the last).

    Each input is requantized to the output: ``clamp(MBQM(x_i - zp_i, multiplier[i], shift[i]) + output_zp)``
    (multiplier 2^30 with shift 1 is the exact identity, used when the quantizations already agree).
    """

    kind: ClassVar[str] = "concat"
    ARRAYS: ClassVar[Mapping[str, Any]] = {"multiplier": np.int32, "shift": np.int32}

    multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    axis: int = -1

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0], strict=True)) if i != axis):
                raise Int8ModelError(f"{self.name}: inputs {shapes} differ outside axis {self.axis}")
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        return tuple(out)

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        _check_requant(self, len(tensors))


@dataclass(frozen=True, eq=False)
class Reshape(_Op):
    """A new per-sample shape over the same bytes in the same (NHWC) order; quantization unchanged."""

    kind: ClassVar[str] = "reshape"

    shape: tuple[int, ...] = ()

    def output_shape(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        (shape,) = shapes
        if int(np.prod(shape)) != int(np.prod(self.shape)):
            raise Int8ModelError(f"{self.name}: cannot reshape {shape} to {self.shape}")
        return tuple(self.shape)

    def check(self, tensors: list[TensorSpec], out: TensorSpec) -> None:
        src = tensors[0]
        if (src.scale, src.zero_point) != (out.scale, out.zero_point):
            raise Int8ModelError(f"{self.name}: reshape keeps the quantization; input and output must share it")


#: kind -> op class; the file format and the executors dispatch on it.
OP_TYPES: dict[str, type[_Op]] = {
    cls.kind: cls for cls in (Conv2D, FullyConnected, MaxPool2D, AveragePool2D, Add, Concat, Reshape)
}
Op = Conv2D | FullyConnected | MaxPool2D | AveragePool2D | Add | Concat | Reshape


@dataclass(frozen=True, eq=False)
class Int8Model:
    """An int8 model: ``tensors`` (activations), ``ops`` in execution order, model ``inputs``/``outputs``.

    ``metadata`` is JSON-able free-form information (source model, calibration, accuracy) that executors
    ignore. Construction validates the whole model and raises :class:`Int8ModelError` on any inconsistency.
    """

    name: str
    tensors: tuple[TensorSpec, ...]
    ops: tuple[Op, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tensors", tuple(self.tensors))
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "metadata", dict(self.metadata))
        self._validate()

    def tensor(self, name: str) -> TensorSpec:
        """The tensor called ``name``; raises :class:`Int8ModelError` if there is none."""
        for t in self.tensors:
            if t.name == name:
                return t
        raise Int8ModelError(f"no tensor {name!r} in {self.name}")

    @property
    def weight_bytes(self) -> int:
        """Bytes of constants as stored for a device: weights packed at their bit width, int32 bias and
        requantization parameters."""
        total = 0
        for op in self.ops:
            weights = getattr(op, "weights", None)
            if weights is not None:
                total += (weights.size * op.weight_bits + 7) // 8 + 4 * (op.bias.size + 2 * op.multiplier.size)
        return total

    def _validate(self) -> None:
        by_name: dict[str, TensorSpec] = {}
        for t in self.tensors:
            if t.name in by_name:
                raise Int8ModelError(f"tensor {t.name!r} is declared twice")
            if not (t.scale > 0 and np.isfinite(t.scale)) or not INT8_MIN <= t.zero_point <= INT8_MAX:
                raise Int8ModelError(f"tensor {t.name!r}: scale must be > 0 and zero_point in [-128, 127]")
            if not t.shape or any(int(d) < 1 for d in t.shape):
                raise Int8ModelError(f"tensor {t.name!r}: shape {t.shape} must have positive dimensions")
            by_name[t.name] = t
        available = set()
        for name in self.inputs:
            if name not in by_name:
                raise Int8ModelError(f"model input {name!r} is not a declared tensor")
            available.add(name)
        for op in self.ops:
            if type(op).kind not in OP_TYPES:
                raise Int8ModelError(f"{op.name}: unknown op type {type(op).__name__}")
            missing = [i for i in op.inputs if i not in available]
            if missing or not op.inputs:
                raise Int8ModelError(f"{op.name}: reads {missing or 'nothing'} before it is produced")
            if op.output in available or op.output not in by_name:
                raise Int8ModelError(f"{op.name}: output {op.output!r} is undeclared or written twice")
            ins = [by_name[i] for i in op.inputs]
            expected = op.output_shape([t.shape for t in ins])
            out = by_name[op.output]
            if tuple(expected) != tuple(out.shape):
                raise Int8ModelError(f"{op.name}: output shape {out.shape}, the op produces {expected}")
            op.check(ins, out)
            available.add(op.output)
        for name in self.outputs:
            if name not in available:
                raise Int8ModelError(f"model output {name!r} is never produced")
