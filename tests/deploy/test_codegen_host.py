"""The generated C, compiled for this computer, equals the integer reference bit for bit on every op kind."""

from __future__ import annotations

import numpy as np
import pytest

from studio.deploy.codegen.generate import generate_model
from studio.deploy.codegen.host_harness import build_host, run_host
from studio.deploy.errors import UnsupportedOpError
from studio.int8.reference import run_int8
from tests.deploy.conftest import needs_cc

pytestmark = needs_cc


def test_every_op_kind_is_bit_exact_with_the_reference(all_ops_int8, tmp_path) -> None:
    model, x = all_ops_int8
    generated = generate_model(model)
    kernels = {layer.kernel for layer in generated.layers}
    assert {"studio_dwconv3x3", "studio_conv2d_1x1", "studio_dwconv_inplace", "studio_add", "alias"} <= kernels
    exe = build_host(generated, tmp_path)
    want = run_int8(model, x, keep_all=True)
    got = run_host(exe, x)
    assert np.array_equal(got, want[model.outputs[0]].reshape(len(x), -1))
    # Every intermediate tensor too (what the device's PROBE frames return).
    for i, op in enumerate(model.ops):
        layer = run_host(exe, x[:8], layers=i + 1)
        assert np.array_equal(layer, want[op.output][:8].reshape(8, -1)), op.name


def test_demo_is_bit_exact_on_the_whole_validation_split(demo_int8, tmp_path) -> None:
    model, x, _ = demo_int8
    exe = build_host(generate_model(model), tmp_path)
    assert np.array_equal(run_host(exe, x), run_int8(model, x)[model.outputs[0]].reshape(len(x), -1))


def test_an_op_without_a_kernel_is_named(all_ops_int8) -> None:
    from studio.deploy.codegen import emitters

    model, _ = all_ops_int8
    saved = emitters.EMITTERS.pop("add")
    try:
        with pytest.raises(UnsupportedOpError, match=r"layer '.*' is a add"):
            generate_model(model)
    finally:
        emitters.EMITTERS["add"] = saved
