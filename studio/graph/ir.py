"""The graph IR: what every reader produces and what analysis and the graph view consume.

Conventions (readers must follow them, analysis relies on them):

* ``Node.op`` uses ONNX operator names (``Conv``, ``Gemm``, ``MatMul``, ``Relu``, ``MaxPool``, ``AveragePool``,
  ``GlobalAveragePool``, ``Add``, ``Mul``, ``Concat``, ``Flatten``, ``Reshape``, ``BatchNormalization``,
  ``Softmax`` ...), whatever the source format, so one MAC formula serves ONNX and torch models alike.
* Attributes follow ONNX spelling: ``kernel_shape``, ``strides``, ``pads`` (begin..., end...), ``dilations``,
  ``group``; a ``Gemm``/``MatMul`` weight is stored as ``params["weight"]`` with the torch layout
  ``(out_features, in_features)`` (readers transpose ONNX ``transB=0`` weights).
* ``Node.params`` holds the node's constant tensors by role: ``weight``, ``bias``, and for batch norm ``scale``,
  ``bias``, ``mean``, ``var``. Constant inputs are listed in ``params`` *and* are not in ``Node.inputs``,
  which names only activation tensors (in order).
* ``Graph.nodes`` is in a valid execution (topological) order.
* ``Node.module`` is the torch module path (``features.0``) when the model came from torch, so a row of the
  layer table maps back to the module a pruning step will change.
* Shapes include the batch dimension; unknown dimensions are ``None`` or a symbolic name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


Dim = int | str | None


@dataclass(frozen=True)
class TensorInfo:
    """An activation tensor flowing along an edge of the graph."""

    name: str
    shape: tuple[Dim, ...] | None = None
    dtype: str = "float32"

    @property
    def known_shape(self) -> tuple[int, ...] | None:
        """The shape if every dimension is a concrete int, else ``None``."""
        if self.shape is None or not all(isinstance(d, int) for d in self.shape):
            return None
        return tuple(int(d) for d in self.shape)  # type: ignore[arg-type]

    @property
    def itemsize(self) -> int:
        """Bytes per element of this tensor's dtype (4 when the dtype is unknown)."""
        try:
            import numpy as np  # lazily: the window shows before numpy loads

            return int(np.dtype(self.dtype).itemsize)
        except TypeError:
            return 4


@dataclass
class Node:
    """One operator. See the module docstring for the conventions every reader follows."""

    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    params: dict[str, np.ndarray] = field(default_factory=dict)
    module: str | None = None

    @property
    def param_count(self) -> int:
        """Number of constant elements (weights, biases, norm statistics) this node owns."""
        return int(sum(math.prod(p.shape) for p in self.params.values()))

    @property
    def param_bytes(self) -> int:
        """Bytes of the node's constants as stored."""
        return int(sum(int(p.nbytes) for p in self.params.values()))


@dataclass
class Graph:
    """A directed acyclic graph of :class:`Node` connected by named tensors."""

    name: str
    nodes: list[Node]
    tensors: dict[str, TensorInfo]
    inputs: list[str]
    outputs: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def _by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.nodes}

    @cached_property
    def producers(self) -> dict[str, Node]:
        """Tensor name -> the node that writes it (graph inputs have none)."""
        return {t: n for n in self.nodes for t in n.outputs}

    @cached_property
    def consumers(self) -> dict[str, list[Node]]:
        """Tensor name -> the nodes that read it, in execution order."""
        out: dict[str, list[Node]] = {}
        for n in self.nodes:
            for t in n.inputs:
                out.setdefault(t, []).append(n)
        return out

    def node(self, name: str) -> Node:
        """The node called ``name``; raises ``KeyError`` when there is none."""
        return self._by_name[name]

    def edges(self) -> list[tuple[str, str, str]]:
        """``(source node, target node, tensor name)`` for every activation edge between two nodes."""
        producers = self.producers
        return [(producers[t].name, n.name, t) for n in self.nodes for t in n.inputs if t in producers]

    def tensor(self, name: str) -> TensorInfo:
        """Shape and dtype of a tensor, or an unknown-shape placeholder if no reader recorded it."""
        return self.tensors.get(name) or TensorInfo(name)

    @property
    def param_count(self) -> int:
        """Total constant elements over all nodes."""
        return sum(n.param_count for n in self.nodes)
