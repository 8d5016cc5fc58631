"""Tensor lifetimes of an int8 model in execution order, with the in-place and alias decisions.

Step ``i`` is the ``i``-th op. A buffer is live from the step that writes it (model inputs: step 0) to the
last step that reads it (model outputs: the last step, since the host reads them afterwards).

Why decide sharing here: two tensors in one buffer are one lifetime for the planner. Three kinds of sharing,
each safe by construction of the kernels in ``resources/firmware/studio_kernels.c``:

- **alias**: a Reshape's output *is* its input's bytes (no copy, no kernel at all);
- **in place**: an element-wise op (Add) or a pooling without padding writes each output element at or before
  the first input element it still has to read, so it may write over an input whose last use it is;
- **in place with a channel buffer**: a depthwise convolution computes one channel into a scratch buffer of
  ``Ho*Wo`` bytes, then stores it over that channel of its input (channel ``c`` of the output depends only on
  channel ``c`` of the input), as in MIT's TinyEngine. The scratch is counted at that step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Op kinds whose output may overwrite one of their inputs (see the module docstring).
ELEMENTWISE_KINDS = ("add",)
POOL_KINDS = ("max_pool2d", "average_pool2d")


@dataclass(frozen=True)
class Buffer:
    """One region the planner places: the tensors stored in it, its size and its live steps (inclusive)."""

    name: str
    tensors: tuple[str, ...]
    size: int
    first: int
    last: int
    kind: str = "tensor"  # "tensor" or "scratch"

    def overlaps(self, other: Buffer) -> bool:
        """True when both are live at some step."""
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class Lifetimes:
    """Buffers of a model, the sharing applied (``inplace``: op name -> how), and the op names by step."""

    buffers: tuple[Buffer, ...]
    steps: tuple[str, ...]
    inplace: dict[str, str]

    def buffer_of(self, tensor: str) -> Buffer:
        """The buffer that holds ``tensor``; ``KeyError`` if none."""
        for b in self.buffers:
            if tensor in b.tensors:
                return b
        raise KeyError(tensor)

    def live_bytes(self) -> list[int]:
        """Bytes live at each step (the sum of every buffer live then)."""
        return [sum(b.size for b in self.buffers if b.first <= i <= b.last) for i in range(len(self.steps))]

    def lower_bound(self) -> int:
        """No placement can use less than the largest sum of live bytes at any one step."""
        return max(self.live_bytes(), default=0)


def is_depthwise(op: Any) -> bool:
    """A Conv2D with one input channel per group and as many outputs as inputs."""
    if type(op).kind != "conv2d":
        return False
    cout, _, _, cin_g = op.weights.shape
    return cin_g == 1 and op.groups == cout and op.groups > 1


def inplace_kind(op: Any, model: Any, last_use: dict[str, int], step: int) -> str | None:
    """How ``op`` may share its input's buffer: ``"alias"``, ``"inplace"``, ``"inplace_channel"`` or None."""
    kind = type(op).kind
    if kind == "reshape":
        return "alias"
    src = op.inputs[0]
    if last_use.get(src) != step or src in model.outputs or src in model.inputs:
        return None  # the input is still needed later, or the host reads it
    same_size = model.tensor(src).size == model.tensor(op.output).size
    if kind in ELEMENTWISE_KINDS and same_size:
        return "inplace"
    if kind in POOL_KINDS and op.padding == (0, 0, 0, 0) and op.stride[0] >= 1 and op.stride[1] >= 1:
        return "inplace"
    if is_depthwise(op):
        ho, wo, _ = model.tensor(op.output).shape
        h, w, _ = model.tensor(src).shape
        if ho * wo <= h * w:
            return "inplace_channel"
    return None


def compute_lifetimes(model: Any, *, allow_inplace: bool = True) -> Lifetimes:
    """Buffers with their live steps for ``model`` (an :class:`studio.int8.ir.Int8Model`)."""
    ops = list(model.ops)
    last_step = max(len(ops) - 1, 0)
    last_use: dict[str, int] = {}
    for i, op in enumerate(ops):
        for t in op.inputs:
            last_use[t] = i
    # Union-find over tensors that share a buffer.
    owner: dict[str, str] = {t.name: t.name for t in model.tensors}
    inplace: dict[str, str] = {}
    scratch: list[Buffer] = []
    for i, op in enumerate(ops):
        how = inplace_kind(op, model, last_use, i) if allow_inplace else None
        if how is None and type(op).kind == "reshape":
            how = "alias"  # a reshape never copies
        if how is not None:
            owner[op.output] = owner[op.inputs[0]]
            inplace[op.name] = how
            if how == "inplace_channel":
                ho, wo, _ = model.tensor(op.output).shape
                scratch.append(Buffer(f"{op.name}.channel", (), ho * wo, i, i, kind="scratch"))

    def root(t: str) -> str:
        while owner[t] != t:
            t = owner[t]
        return t

    groups: dict[str, list[str]] = {}
    for t in model.tensors:
        groups.setdefault(root(t.name), []).append(t.name)
    produced = {op.output: i for i, op in enumerate(ops)}
    buffers = []
    for name, members in groups.items():
        first = min(0 if m in model.inputs else produced.get(m, 0) for m in members)
        last = max(last_step if m in model.outputs else last_use.get(m, produced.get(m, 0)) for m in members)
        size = max(model.tensor(m).size for m in members)
        buffers.append(Buffer(name, tuple(members), size, first, last))
    buffers.sort(key=lambda b: (b.first, b.name))
    return Lifetimes(tuple(buffers + scratch), tuple(op.name for op in ops), inplace)
