"""The generated C, compiled for this computer, equals the integer reference bit for bit on every op kind:
with both kernel sets (fast, generic) and, for the fast set, both code paths (the DSP path, with exact C
models of SXTB16/SMLAD/SSUB8/SEL, and the portable one)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.deploy.codegen.generate import generate_model
from studio.deploy.codegen.host_harness import build_host, run_host
from studio.deploy.codegen.kernel_sets import CodegenConfig, UnknownKernelSetError
from studio.deploy.errors import UnsupportedOpError
from studio.int8.reference import run_int8
from tests.deploy.conftest import needs_cc

pytestmark = needs_cc

VARIANTS = [("fast", True), ("fast", False), ("generic", False)]


@pytest.mark.parametrize(("kernels", "dsp"), VARIANTS, ids=["fast-dsp", "fast-portable", "generic"])
def test_every_op_kind_is_bit_exact_with_the_reference(all_ops_int8, tmp_path, kernels, dsp) -> None:
    model, x = all_ops_int8
    generated = generate_model(model, config=CodegenConfig(kernels))
    used = {layer.kernel for layer in generated.layers}
    if kernels == "fast":
        expected = {"studio_dw_fast_3x3", "studio_conv_fast_1x1", "studio_conv_fast_3x3", "studio_dw_inplace_fast_3x3"}
        assert expected | {"studio_add_lut", "studio_concat_lut", "studio_fc_fast", "alias"} <= used
    else:
        assert {"studio_conv2d", "studio_dwconv_inplace", "studio_add", "studio_concat_part", "alias"} <= used
    exe = build_host(generated, tmp_path, emulate_dsp=dsp)
    want = run_int8(model, x, keep_all=True)
    got = run_host(exe, x)
    assert np.array_equal(got, want[model.outputs[0]].reshape(len(x), -1))
    # Every intermediate tensor too (what the device's PROBE frames return).
    for i, op in enumerate(model.ops):
        layer = run_host(exe, x[:8], layers=i + 1)
        assert np.array_equal(layer, want[op.output][:8].reshape(8, -1)), op.name


@pytest.mark.parametrize(("kernels", "dsp"), VARIANTS, ids=["fast-dsp", "fast-portable", "generic"])
def test_demo_is_bit_exact_on_the_whole_validation_split(demo_int8, tmp_path, kernels, dsp) -> None:
    model, x, _ = demo_int8
    exe = build_host(generate_model(model, config=CodegenConfig(kernels)), tmp_path, emulate_dsp=dsp)
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


def test_an_unknown_kernel_set_lists_the_known_ones() -> None:
    with pytest.raises(UnknownKernelSetError, match="fast, generic"):
        CodegenConfig("turbo")
