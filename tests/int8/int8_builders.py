"""Small int8 models built by hand for the tests, and a naive loop implementation of the documented arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.int8.fixed_point import multiply_by_quantized_multiplier
from studio.int8.ir import Int8Model, TensorSpec


def single_op_model(op: Any, inputs: list[TensorSpec], output: TensorSpec) -> Int8Model:
    """A model of one op reading ``inputs`` and writing ``output``."""
    return Int8Model("hand", (*inputs, output), (op,), tuple(t.name for t in inputs), (output.name,))


def naive_conv(x: np.ndarray, op: Any, zp_in: int, zp_out: int) -> np.ndarray:
    """The Conv2D formula of studio.int8.reference, one output element at a time in Python integers."""
    n, h, w, _ = x.shape
    cout, kh, kw, cin_g = op.weights.shape
    pt, pb, pl, pr = op.padding
    sh, sw = op.stride
    dh, dw = op.dilation
    ho = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    wo = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    per_group = cout // op.groups
    out = np.zeros((n, ho, wo, cout), dtype=np.int64)
    for b in range(n):
        for oy in range(ho):
            for ox in range(wo):
                for co in range(cout):
                    g = co // per_group
                    acc = int(op.bias[co])
                    for ky in range(kh):
                        for kx in range(kw):
                            iy = oy * sh - pt + ky * dh
                            ix = ox * sw - pl + kx * dw
                            if 0 <= iy < h and 0 <= ix < w:
                                for i in range(cin_g):
                                    acc += (int(x[b, iy, ix, g * cin_g + i]) - zp_in) * int(op.weights[co, ky, kx, i])
                    y = int(multiply_by_quantized_multiplier(acc, int(op.multiplier[co]), int(op.shift[co])))
                    out[b, oy, ox, co] = min(max(y + zp_out, op.act_min), op.act_max)
    return out.astype(np.int8)
