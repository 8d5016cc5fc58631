"""QDQ ONNX that onnxruntime runs (agreeing with the integer reference), the workflow, recipe steps, jobs."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest

from studio.core.errors import StudioError
from studio.int8.onnx_export import compare_with_onnxruntime, int8_to_onnx, onnxruntime_session
from studio.int8.serialize import load_int8
from studio.optimize.quantize.config import LinearQuantConfig
from studio.optimize.quantize.ptq import linear_quantize
from studio.recipe.replay import replay_steps
from studio.recipe.steps import describe_step, known_kinds
from studio.workflows.quantize import export_quantized, model_from_job, quantize_job, quantize_loaded


def test_demo_qdq_onnx_agrees_with_the_integer_reference(demo_model: Any, digits: Any) -> None:
    sim = linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration, LinearQuantConfig())
    int8 = sim.to_int8()
    proto = int8_to_onnx(int8)
    ops = {n.op_type for n in proto.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm", "MaxPool"} <= ops
    zero_points = [i for i in proto.graph.initializer if i.name.endswith(".zp")]
    assert all(z.data_type == onnx.TensorProto.UINT8 for z in zero_points)  # unsigned activations
    agreement = compare_with_onnxruntime(int8, digits.val.x)
    assert agreement["max_code_difference"] <= 2  # onnxruntime requantizes in float: off by one at most here
    assert agreement["argmax_agreement"] >= 0.99
    session = onnxruntime_session(int8)
    logits = session.run(["output"], {"input": digits.val.x})[0]
    assert (logits.argmax(1) == digits.val.y).mean() >= 0.97


def test_onnxruntime_runs_the_demo_fully_in_int8_with_no_transpose_back_to_nchw(
    demo_model: Any, digits: Any, tmp_path: Path
) -> None:
    """Flatten follows the IR's H,W,C order through an explicit NHWC transpose that onnxruntime cancels against
    its own layout transpose: the optimized graph has only the input's transpose, and every layer is integer."""
    import onnxruntime as ort

    int8 = linear_quantize(demo_model.module, demo_model.input_shape, digits.calibration, LinearQuantConfig()).to_int8()
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(int8_to_onnx(int8).SerializeToString(), options, providers=["CPUExecutionProvider"])
    ops = [n.op_type for n in onnx.load(str(tmp_path / "optimized.onnx")).graph.node]
    assert ops.count("Transpose") == 1 and ops.index("Transpose") < ops.index("QLinearConv"), ops
    assert ops.count("QLinearConv") == 3 and "QGemm" in ops and "Conv" not in ops and "Gemm" not in ops, ops


def test_residual_model_exports_and_agrees() -> None:
    import torch

    from studio.zoo import registry

    torch.manual_seed(0)
    model = registry.build("resnet20", num_classes=10).eval()
    x = np.random.default_rng(0).random((8, 3, 8, 8)).astype(np.float32)
    int8 = linear_quantize(model, (1, 3, 8, 8), x, LinearQuantConfig()).to_int8()
    agreement = compare_with_onnxruntime(int8, x)
    # onnxruntime requantizes in float, the reference in fixed point: off-by-one codes compound over 20 layers
    assert agreement["max_code_difference"] <= 6 and agreement["argmax_agreement"] >= 0.75


def test_quantize_loaded_reports_and_derives(demo_model: Any) -> None:
    result = quantize_loaded(demo_model, "digits", {"method": "linear", "weight_bits": 4, "per_channel": True})
    report = result.report
    for key in ("accuracy_before", "accuracy_after", "size_before", "size_after", "layers", "analysis"):
        assert key in report
    assert report["size_before"] == 4 * sum(p.numel() for p in demo_model.module.parameters())
    assert report["size_after"] < report["size_before"] / 6
    assert result.step == {"kind": "quantize", "method": "linear", "weight_bits": 4}
    assert result.model.format == "derived" and result.model.metadata["steps"][-1] == result.step
    assert any(n.module == "conv2" and n.op == "Conv" for n in result.model.graph.nodes)  # names survive
    rows = report["analysis"]["layers"]
    assert [r["layer"] for r in rows] == ["conv1", "conv2", "conv3", "fc"]
    assert all(r["weight_sqnr_db"] > 10 and r["act_range"][0] < r["act_range"][1] for r in rows)
    assert rows[0]["weight_range"][1] > 0 and len(rows[0]["weight_hist"]["counts"]) == 64


def test_bad_parameters_are_one_line_errors(demo_model: Any) -> None:
    with pytest.raises(StudioError, match="unknown quantization method"):
        quantize_loaded(demo_model, "digits", {"method": "magic"})
    with pytest.raises(StudioError, match="unknown LinearQuantConfig option"):
        quantize_loaded(demo_model, "digits", {"method": "linear", "bitz": 4})
    with pytest.raises(StudioError, match="cannot write"):
        export_quantized(demo_model, Path("model.bin"))


def test_recipe_steps_replay_and_describe(demo_model: Any) -> None:
    assert {"quantize", "kmeans", "qat"} <= set(known_kinds())
    steps = [{"kind": "kmeans", "bits": 3, "fine_tune_epochs": 0}, {"kind": "quantize", "weight_bits": 8}]
    assert describe_step(steps[0]) == "Quantize k-means 3-bit"
    out = replay_steps(demo_model, steps, data="digits")
    assert [layer.method for layer in out.module.layers()] == ["linear"] * 4
    # each channel's 8-bit grid holds the layer's 3-bit k-means values: at most 8 distinct weights per channel
    weights = out.module.layer("conv3").quantized_weight().detach().numpy()
    assert max(len(np.unique(channel)) for channel in weights) <= 8


def test_job_result_pickles_and_exports(demo_model: Any, tmp_path: Path) -> None:
    from studio.cli.console_context import ConsoleJobContext
    from studio.workflows.model_handle import ModelHandle

    handle = ModelHandle(spec=demo_model.metadata.get("spec") or _demo_spec(), steps=())
    result = quantize_job(ConsoleJobContext(quiet=True), handle, "digits", {"method": "linear"})
    again = pickle.loads(pickle.dumps(result))
    model = model_from_job(again)
    npz = export_quantized(model, tmp_path / "demo.int8.npz")
    int8 = load_int8(npz)
    assert [type(op).kind for op in int8.ops] == ["conv2d", "conv2d", "max_pool2d", "conv2d", "reshape",
                                                  "fully_connected"]  # fmt: skip
    onnx_path = export_quantized(model, tmp_path / "demo.onnx")
    onnx.checker.check_model(str(onnx_path))
    pt2 = export_quantized(model, tmp_path / "demo.pt2")
    assert pt2.stat().st_size > 0


def _demo_spec() -> Any:
    from studio.workflows.model_spec import resolve_model_spec

    return resolve_model_spec("demo")


def test_float_model_needs_data_to_write_int8(demo_model: Any, tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="calibration data"):
        export_quantized(demo_model, tmp_path / "x.int8.npz")
    path = export_quantized(demo_model, tmp_path / "x.int8.npz", "digits")
    assert load_int8(path).metadata["layers"]["conv1"] == ["conv1", "bn1", "relu1"]


def test_pruning_and_quantization_combine_in_one_recipe(demo_model: Any) -> None:
    import copy

    import torch

    from studio.recipe.steps import register_step
    from studio.workflows.model_handle import loaded_from_module

    def zero_small(model: Any, params: dict, env: Any) -> Any:  # a stand-in for the prune stage's steps
        module = copy.deepcopy(model.module)
        with torch.no_grad():
            for m in module.modules():
                if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                    w = m.weight
                    w[w.abs() <= w.abs().flatten().kthvalue(int(params["sparsity"] * w.numel())).values] = 0
        return loaded_from_module(module, model.input_shape, name="pruned")

    register_step("test-zero-small", zero_small, needs_data=False)
    steps = [{"kind": "test-zero-small", "sparsity": 0.5}, {"kind": "quantize", "weight_bits": 4}]
    out = replay_steps(demo_model, steps, data="digits")
    codes = out.module.layer("conv3").integer_weight()
    assert (codes == 0).mean() >= 0.5  # pruned zeros stay exact zeros on the symmetric grid
    assert codes.min() >= -7 and codes.max() <= 7


def test_every_int8_op_exports_to_onnx_and_agrees() -> None:
    import torch

    from studio.int8.lower import lower_module
    from tests.int8.test_lower import _AllOps, _randomised

    torch.manual_seed(1)
    model = _randomised(_AllOps())  # depthwise, ReLU6, residual add, concat, avg and max pool, flatten
    x = np.random.default_rng(0).random((64, 3, 4, 4)).astype(np.float32)
    int8 = lower_module(model, (1, 3, 4, 4), x)
    ops = {n.op_type for n in int8_to_onnx(int8).graph.node}
    assert {"QLinearAdd", "Concat", "AveragePool", "MaxPool", "Flatten", "Gemm"} <= ops  # ReLU6 needs no Clip here
    agreement = compare_with_onnxruntime(int8, x)
    assert agreement["max_code_difference"] <= 2 and agreement["argmax_agreement"] == 1.0
