"""The quantized model the studio holds: a float graph run with quantized weights and fake-quantized activations.

Why one model class for every method: PTQ, QAT, k-means and mixed precision differ only in how each layer
stores its weight (:mod:`.layers`) and whether activations are on an 8-bit grid. Batch norm is folded and
ReLUs fused exactly as in the int8 lowering, so the accuracy measured here is the integer model's (up to
rounding), and :meth:`QuantSimModel.to_int8` lowers it with exactly its own grids.

The weighted layers sit at their original module paths (``conv1``, ``layer1.0.conv2`` ...), so the layer
table, the graph view and recipes keep their names.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from studio.int8.float_graph import WEIGHTED_KINDS, FloatGraph, FloatOp, run_float_graph, run_op
from studio.optimize.quantize.layers import FloatLayer, QuantLayer, UniformQuantLayer
from studio.optimize.quantize.qparams import QuantConfigError, code_range, fake_quant


def _place(root: nn.Module, path: str, module: nn.Module) -> None:
    parent = root
    *heads, last = path.split(".")
    for head in heads:
        child = getattr(parent, head, None)
        if child is None:
            child = nn.Module()
            parent.add_module(head, child)
        parent = child
    parent.add_module(last, module)


class QuantSimModel(nn.Module):
    """A :class:`FloatGraph` with one :class:`QuantLayer` per conv/linear and optional activation grids.

    ``act_qparams`` maps every value (graph input and op outputs) to ``(scale, zero_point)`` on a signed
    ``act_bits`` grid; ``None`` keeps activations float (weight-only quantization, e.g. k-means).
    """

    def __init__(self, graph: FloatGraph, layer_factory: Callable[[FloatOp], QuantLayer] | None = None) -> None:
        super().__init__()
        factory = layer_factory or (lambda op: FloatLayer(op, op.weight, op.bias))
        self.layer_names: list[str] = []
        for op in graph.weighted_ops():
            _place(self, op.name, factory(op))
            self.layer_names.append(op.name)
        self.graph = FloatGraph(
            graph.name,
            graph.input,
            graph.output,
            [
                FloatOp(o.kind, o.name, o.inputs, o.output, dict(o.attrs), None, None, o.activation, o.modules)
                for o in graph.ops
            ],
            dict(graph.shapes),
        )
        self.act_qparams: dict[str, tuple[float, int]] | None = None
        self.act_bits = 8

    # ------------------------------------------------------------------------------------------ layers
    def layer(self, name: str) -> QuantLayer:
        """The weighted layer called ``name``; raises :class:`QuantConfigError` for an unknown name."""
        if name not in self.layer_names:
            raise QuantConfigError(f"no quantizable layer {name!r}; layers: {', '.join(self.layer_names)}")
        return self.get_submodule(name)  # type: ignore[return-value]

    def layers(self) -> Iterator[QuantLayer]:
        """The weighted layers in execution order."""
        return (self.layer(n) for n in self.layer_names)

    def replace_layer(self, name: str, layer: QuantLayer) -> None:
        """Swap the layer at ``name`` (e.g. float for 4-bit)."""
        self.layer(name)
        _place(self, name, layer)

    # ------------------------------------------------------------------------------------- activations
    def set_activation_grid(self, grid: dict[str, tuple[float, int]] | None, bits: int = 8) -> None:
        """Use ``grid`` (value -> (scale, zero point)) for activations, or float activations with ``None``."""
        self.act_qparams = None if grid is None else {k: (float(s), int(z)) for k, (s, z) in grid.items()}
        self.act_bits = bits

    def _fake_quant_activation(self, name: str, t: torch.Tensor) -> torch.Tensor:
        scale, zero = self.act_qparams[name]  # type: ignore[index]
        qmin, qmax = code_range(self.act_bits, symmetric=False)
        return fake_quant(t, scale, zero, qmin, qmax)

    # ----------------------------------------------------------------------------------------- running
    def _call(self, op: FloatOp, xs: list[torch.Tensor]) -> torch.Tensor:
        if op.kind in WEIGHTED_KINDS:
            return self.get_submodule(op.name)(xs[0])
        return run_op(op, xs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        observe = self._fake_quant_activation if self.act_qparams is not None else None
        return run_float_graph(self.graph, x, call=self._call, observe=observe)

    def float_graph(self) -> FloatGraph:
        """The graph with every layer's current real-valued weight (quantized or not) and bias, detached."""
        graph = copy.deepcopy(self.graph)
        for op in graph.ops:
            if op.kind in WEIGHTED_KINDS:
                layer = self.layer(op.name)
                with torch.no_grad():
                    op.weight = layer.quantized_weight().detach().clone()
                    op.bias = layer.bias.detach().clone()
        return graph

    # ---------------------------------------------------------------------------------------- summaries
    def storage_bytes(self) -> int:
        """Bytes of all weights and biases as stored."""
        return sum(layer.storage_bytes() for layer in self.layers())

    def layer_table(self) -> list[dict[str, Any]]:
        """One :meth:`QuantLayer.describe` row per layer."""
        return [layer.describe() for layer in self.layers()]

    def to_int8(self, name: str | None = None, metadata: dict[str, Any] | None = None) -> Any:
        """Lower to the int8 IR with this model's own grids.

        Uniform symmetric layers keep their codes; float and k-means layers are put on an 8-bit per-channel
        grid of their current weights. Raises :class:`QuantConfigError` without activation grids (or with
        other than 8-bit ones) and for asymmetric weights, which the int8 format does not have.
        """
        from studio.int8.lower import QuantPlan, lower_graph
        from studio.optimize.quantize.qparams import weight_qparams

        if self.act_qparams is None or self.act_bits != 8:
            raise QuantConfigError("int8 export needs 8-bit activations: quantize with calibration first")
        scales: dict[str, Any] = {}
        bits: dict[str, int] = {}
        graph = self.float_graph()
        for layer in self.layers():
            if isinstance(layer, UniformQuantLayer):
                if not layer.symmetric:
                    raise QuantConfigError(f"{layer.op.name}: asymmetric weights cannot be exported to int8")
                scales[layer.op.name] = layer.w_scale.numpy().astype("float64")
                bits[layer.op.name] = layer.bits
            else:
                weight = graph.op(layer.op.name).weight.numpy()
                scales[layer.op.name] = weight_qparams(weight, 8).scale
                bits[layer.op.name] = 8
        plan = QuantPlan(self.act_qparams, scales, bits)
        return lower_graph(graph, plan, name or self.graph.name, metadata)
