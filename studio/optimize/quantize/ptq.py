"""Post-training quantization: fold, quantize the weights, calibrate activation grids on a few hundred images.

:func:`linear_quantize` returns a :class:`~studio.optimize.quantize.sim_model.QuantSimModel` whose weights
are on their b-bit grids and whose activations are fake-quantized on 8-bit grids chosen by the configured
calibration; :func:`kmeans_quantize` (in :mod:`.kmeans`) is its weight-sharing sibling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.optimize.quantize.config import LinearQuantConfig
from studio.optimize.quantize.layers import FLOAT_BITS, FloatLayer, UniformQuantLayer
from studio.optimize.quantize.sim_model import QuantSimModel


def float_graph_of(module: Any, input_shape: tuple[int, ...], name: str = "model") -> Any:
    """The float graph of ``module``: its own for a :class:`QuantSimModel` (current weights), else traced.

    Raises :class:`~studio.int8.float_graph.LoweringError` for a module with an op the studio cannot quantize.
    """
    from studio.int8.float_graph import trace_float_graph

    if isinstance(module, QuantSimModel):
        return module.float_graph()
    return trace_float_graph(module, input_shape, name)


def uniform_layer_factory(config: LinearQuantConfig) -> Any:
    """``factory(op)`` making the uniform (or float, for 32 bits) layer ``config`` asks for."""

    def factory(op: Any) -> Any:
        bits = config.bits_for(op.name)
        if bits >= FLOAT_BITS:
            return FloatLayer(op, op.weight, op.bias)
        return UniformQuantLayer(
            op, op.weight, op.bias, bits, config.per_channel, config.symmetric, config.weight_method
        )

    return factory


def calibrate(sim: QuantSimModel, x: np.ndarray, config: LinearQuantConfig, ctx: Any = None) -> dict[str, Any]:
    """Set ``sim``'s activation grids from ``x`` (N,C,H,W float32); returns the statistics per value.

    Activations are observed with the weights already quantized, so each grid fits what the integer model
    will actually see.
    """
    from studio.int8.lower import activation_grid
    from studio.optimize.quantize.calibration import calibrate_ranges, collect_stats

    graph = sim.float_graph()
    stats = collect_stats(graph, x, seed=config.seed, ctx=ctx)
    ranges = calibrate_ranges(stats, config.calibration, config.activation_bits, percentile=config.percentile)
    sim.set_activation_grid(activation_grid(graph, ranges, config.activation_bits), config.activation_bits)
    return stats


def linear_quantize(
    module: Any,
    input_shape: tuple[int, ...],
    calibration_x: np.ndarray | None,
    config: LinearQuantConfig | None = None,
    name: str = "model",
    ctx: Any = None,
) -> QuantSimModel:
    """PTQ of ``module`` (not modified): a new :class:`QuantSimModel`.

    ``calibration_x`` may be ``None`` only with ``quantize_activations=False``. Raises
    :class:`~studio.optimize.quantize.qparams.QuantConfigError` (bad config, layer names) and
    :class:`~studio.int8.float_graph.LoweringError` (a layer that cannot be quantized).
    """
    from studio.optimize.quantize.qparams import QuantConfigError

    config = config or LinearQuantConfig()
    graph = float_graph_of(module, input_shape, name)
    known = {op.name for op in graph.weighted_ops()}
    unknown = sorted(set(config.layer_bits) - known)
    if unknown:
        raise QuantConfigError(f"no quantizable layer {', '.join(unknown)}; layers: {', '.join(sorted(known))}")
    sim = QuantSimModel(graph, uniform_layer_factory(config))
    if config.quantize_activations:
        if calibration_x is None or len(calibration_x) == 0:
            raise QuantConfigError("activation quantization needs calibration data")
        calibrate(sim, calibration_x, config, ctx)
    return sim.eval()
