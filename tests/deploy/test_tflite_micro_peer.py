"""TFLite Micro as the peer: our .tflite export runs in its interpreter, and its outputs equal the integer
reference and the generated C (the code the device runs) bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from studio.deploy.codegen.generate import generate_model
from studio.deploy.codegen.host_harness import build_host, run_host
from studio.deploy.tflite_export import (
    TfliteExportError,
    multiplier_agreement,
    run_tflite_micro,
    to_tflite,
    with_float32_scales,
)
from studio.int8.reference import run_int8
from tests.deploy.conftest import needs_cc

pytest.importorskip("tflite_micro")


@needs_cc
def test_reference_generated_c_and_tflite_micro_agree_bit_for_bit(demo_int8, tmp_path) -> None:
    model, x, _ = demo_int8
    model = with_float32_scales(model)
    x = x[:120]
    tflm, arena = run_tflite_micro(to_tflite(model), x)
    ref = run_int8(model, x)[model.outputs[0]].reshape(len(x), -1)
    ours = run_host(build_host(generate_model(model), tmp_path), x)
    assert np.array_equal(tflm, ref)
    assert np.array_equal(ours, ref)
    plan = generate_model(model).plan
    assert arena["total"] > 0 and plan.arena_bytes <= arena["total"]


def test_float64_multipliers_are_reported_and_unsupported_padding_is_named(demo_int8) -> None:
    import dataclasses

    model, _, _ = demo_int8
    agreement = multiplier_agreement(model)
    assert agreement["ops"] == len(model.ops) and 0 <= agreement["differing"] <= agreement["ops"]
    assert multiplier_agreement(with_float32_scales(model))["differing"] == 0
    ops = list(model.ops)
    ops[0] = dataclasses.replace(ops[0], padding=(2, 0, 2, 0))
    with pytest.raises(TfliteExportError, match="conv1: padding"):
        to_tflite(dataclasses.replace(model, ops=tuple(ops), tensors=model.tensors))
