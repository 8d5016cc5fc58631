"""What the Quantize stage draws: per-layer weight and activation histograms with the grid's clipping range,
and the signal-to-quantization-noise ratio (SQNR) of each layer's weights and output.

Why compare against the float model run side by side: a layer's output SQNR then includes the error of every
layer before it, which is what tells a user where accuracy is lost (AIMET's per-layer quant analyzer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.optimize.quantize.sensitivity import weight_sqnr_db

HISTOGRAM_BINS = 64


def _histogram(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> dict[str, list[float]]:
    v = np.asarray(values, dtype=np.float64).ravel()
    lo = float(min(v.min(), lo if lo is not None else v.min()))
    hi = float(max(v.max(), hi if hi is not None else v.max()))
    if hi <= lo:
        hi = lo + 1e-6
    counts, edges = np.histogram(v, bins=HISTOGRAM_BINS, range=(lo, hi))
    return {"counts": counts.astype(float).tolist(), "edges": edges.tolist()}


def _weight_range(layer: Any) -> tuple[float, float] | None:
    from studio.optimize.quantize.layers import KMeansQuantLayer, UniformQuantLayer

    if isinstance(layer, UniformQuantLayer):
        s = layer.w_scale.numpy().astype(np.float64)
        z = layer.w_zero.numpy().astype(np.float64)
        return float(((layer.qmin - z) * s).min()), float(((layer.qmax - z) * s).max())
    if isinstance(layer, KMeansQuantLayer):
        book = layer.codebook.detach().numpy()
        return float(book.min()), float(book.max())
    return None


def _sqnr(reference: np.ndarray, other: np.ndarray) -> float:
    return weight_sqnr_db(reference, other)


def quantization_analysis(float_module: Any, sim: Any, input_shape: tuple[int, ...], x: np.ndarray) -> dict[str, Any]:
    """Per layer of ``sim`` (a ``QuantSimModel``): weight histogram and clipping range, output activation
    histogram and grid range, weight SQNR and output SQNR against ``float_module`` on images ``x``.

    Returns ``{"layers": [{"layer", "bits", "method", "weight_hist", "weight_range", "weight_sqnr_db",
    "act_hist", "act_range", "output_sqnr_db"}]}``; ranges are ``None`` where nothing is clipped.
    """
    import torch

    from studio.int8.float_graph import run_float_graph
    from studio.optimize.quantize.ptq import float_graph_of

    reference = float_graph_of(float_module, input_shape)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    float_values: dict[str, np.ndarray] = {}
    sim_values: dict[str, np.ndarray] = {}

    def keep(store: dict[str, np.ndarray]) -> Any:
        def observe(name: str, t: Any) -> Any:
            store[name] = t.detach().numpy()
            return t

        return observe

    with torch.no_grad():
        run_float_graph(reference, xt, observe=keep(float_values))
        observe = keep(sim_values)

        def quantized(name: str, t: Any) -> Any:
            out = sim._fake_quant_activation(name, t) if sim.act_qparams is not None else t
            return observe(name, out)

        run_float_graph(sim.graph, xt, call=sim._call, observe=quantized)
    rows = []
    for layer in sim.layers():
        op = layer.op
        with torch.no_grad():
            w = layer.effective_weight().detach().numpy()
            wq = layer.quantized_weight().detach().numpy()
        act_range = None
        if sim.act_qparams is not None:
            scale, zero = sim.act_qparams[op.output]
            act_range = (scale * (-128 - zero), scale * (127 - zero))
        ref_out = float_values.get(op.output)
        zeros = float((ref_out == 0).mean()) if ref_out is not None else 0.0
        # after a ReLU most activations are exactly 0: drawn, they would flatten the rest of the histogram
        shown = ref_out[ref_out != 0] if ref_out is not None and zeros > 0.1 and zeros < 1.0 else ref_out
        rows.append(
            {
                "layer": op.name,
                "bits": layer.bits,
                "method": layer.method,
                "weight_hist": _histogram(w),
                "weight_range": _weight_range(layer),
                "weight_sqnr_db": weight_sqnr_db(w, wq),
                "act_hist": _histogram(shown) if shown is not None else None,
                "act_zero_fraction": zeros if shown is not ref_out else 0.0,
                "act_range": act_range,
                "output_sqnr_db": _sqnr(ref_out, sim_values[op.output]) if ref_out is not None else None,
            }
        )
    return {"layers": rows, "samples": len(x)}
