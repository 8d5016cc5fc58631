"""int8 against fp32 on CPU (onnxruntime) for the demo CNN and a ResNet-18, and k-means 4-bit against linear
4-bit on the demo (DESIGN.md target: int8 at least 2x faster than fp32, accuracy within 1 point).

fp32: the float module exported by ``torch.onnx.export``. int8: the studio's own 8-bit per-channel PTQ
(min-max calibration), lowered to the int8 IR and exported as QDQ ONNX with uint8 activations; onnxruntime
fuses it into integer kernels. Both run in one session configuration (all graph optimizations, the same
thread count); latency is the median over repeated runs of one batch. The demo's accuracy is on the digits
validation split (fp32 torch, the integer reference and onnxruntime int8); ResNet-18 has no trained weights
here, so its "accuracy" is the top-1 agreement of int8 with fp32 on calibration-like random images.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.result import Target, bench_result, median

SPEEDUP_TARGET = 2.0
ACCURACY_DROP_LIMIT = 0.01
THREADS = 2


def _fp32_session(module: Any, batch_shape: tuple[int, ...]) -> Any:
    """onnxruntime on the float module exported by torch (static shape: the benchmark's batch)."""
    import onnxruntime as ort
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fp32.onnx"
        torch.onnx.export(module.eval(), (torch.zeros(*batch_shape),), str(path), input_names=["input"],
                          output_names=["output"], dynamo=True, external_data=False, verbose=False)  # fmt: skip
        data = path.read_bytes()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def _latency_ms(session: Any, x: np.ndarray, output: str, repeats: int) -> float:
    name = session.get_inputs()[0].name
    for _ in range(3):
        session.run([output], {name: x})
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        session.run([output], {name: x})
        times.append((time.perf_counter() - t0) * 1000)
    return median(times)


def _first_output(session: Any) -> str:
    return session.get_outputs()[0].name


def _compare_model(module: Any, input_shape: tuple[int, ...], calibration: np.ndarray, batch: np.ndarray,
                   repeats: int) -> dict[str, Any]:  # fmt: skip
    from studio.int8.onnx_export import onnxruntime_session
    from studio.optimize.quantize.config import LinearQuantConfig
    from studio.optimize.quantize.ptq import linear_quantize

    int8 = linear_quantize(module, input_shape, calibration, LinearQuantConfig()).to_int8()
    q_session = onnxruntime_session(int8, threads=THREADS)
    f_session = _fp32_session(module, tuple(batch.shape))
    f_ms = _latency_ms(f_session, batch, _first_output(f_session), repeats)
    q_ms = _latency_ms(q_session, batch, "output", repeats)
    return {"int8": int8, "q_session": q_session, "f_session": f_session, "fp32_ms": f_ms, "int8_ms": q_ms}


def _demo(quick: bool) -> dict[str, Any]:
    import torch

    from studio.analysis.evaluate import evaluate
    from studio.int8.onnx_export import compare_with_onnxruntime
    from studio.int8.reference import float_predictor
    from studio.runtime.executor import TorchExecutor
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import resolve_model_spec
    from studio.workflows.quantize import prepare_data

    model = ModelHandle(resolve_model_spec("demo")).load()
    data = prepare_data("digits", model.input_shape)
    batch = np.ascontiguousarray(data.val.x[:256])
    run = _compare_model(model.module, model.input_shape, data.calibration, batch, 5 if quick else 200)
    with torch.no_grad():
        fp32_acc = evaluate(TorchExecutor(model.module), data.val).accuracy
    ort_session = run["q_session"]
    ort_acc = evaluate(lambda x: ort_session.run(["output"], {"input": x})[0], data.val).accuracy
    ref_acc = evaluate(float_predictor(run["int8"]), data.val).accuracy
    agreement = compare_with_onnxruntime(run["int8"], data.val.x)
    return {**run, "fp32_acc": fp32_acc, "ort_int8_acc": ort_acc, "ref_int8_acc": ref_acc, "agreement": agreement,
            "data": data, "model": model}  # fmt: skip


def _resnet18(quick: bool) -> dict[str, Any]:
    import torch

    from studio.zoo import registry

    torch.manual_seed(0)
    size = 32 if quick else 224
    module = registry.build("resnet18", num_classes=1000).eval()
    rng = np.random.default_rng(0)
    calibration = rng.random((4 if quick else 32, 3, size, size), dtype=np.float32)
    batch = rng.random((1, 3, size, size), dtype=np.float32)
    run = _compare_model(module, (1, 3, size, size), calibration, batch, 3 if quick else 30)
    probes = [rng.random((1, 3, size, size), dtype=np.float32) for _ in range(4 if quick else 16)]
    f_name = run["f_session"].get_inputs()[0].name
    f_out = np.concatenate([run["f_session"].run([_first_output(run["f_session"])], {f_name: p})[0] for p in probes])
    q_out = np.concatenate([run["q_session"].run(["output"], {"input": p})[0] for p in probes])
    run["top1_agreement"] = float((f_out.argmax(1) == q_out.argmax(1)).mean())
    run["size"] = size
    return run


def _kmeans_vs_linear(demo: dict[str, Any], quick: bool) -> dict[str, float]:
    from studio.analysis.evaluate import evaluate
    from studio.optimize.quantize.config import KMeansConfig, LinearQuantConfig
    from studio.optimize.quantize.kmeans import kmeans_quantize
    from studio.optimize.quantize.ptq import linear_quantize
    from studio.runtime.executor import TorchExecutor

    model, data = demo["model"], demo["data"]
    epochs = 0 if quick else 3
    out = {}
    for bits in (4,) if quick else (4, 2):
        linear = linear_quantize(model.module, model.input_shape, data.calibration,
                                 LinearQuantConfig(weight_bits=bits, quantize_activations=False))  # fmt: skip
        kmeans = kmeans_quantize(model.module, model.input_shape, KMeansConfig(bits=bits, fine_tune_epochs=epochs),
                                 data.train)  # fmt: skip
        out[f"linear_{bits}bit_accuracy"] = evaluate(TorchExecutor(linear), data.val).accuracy
        out[f"kmeans_{bits}bit_accuracy"] = evaluate(TorchExecutor(kmeans), data.val).accuracy
        out[f"linear_{bits}bit_bytes"] = float(linear.storage_bytes())
        out[f"kmeans_{bits}bit_bytes"] = float(kmeans.storage_bytes())
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """Measure and return the benchmark result (see :func:`benchmarks.result.bench_result`)."""
    import torch

    torch.set_num_threads(THREADS)
    demo = _demo(quick)
    # quick mode (the runner's self-test) skips the ResNet-18: its two exports dominate the time
    resnet = None if quick else _resnet18(quick)
    km = _kmeans_vs_linear(demo, quick)
    demo_speedup = demo["fp32_ms"] / demo["int8_ms"]
    metrics = {
        "demo_int8_ms": demo["int8_ms"],
        "demo_int8_accuracy_onnxruntime": demo["ort_int8_acc"],
        "demo_int8_accuracy_reference": demo["ref_int8_acc"],
        "reference_vs_onnxruntime_max_code_difference": float(demo["agreement"]["max_code_difference"]),
        "reference_vs_onnxruntime_max_abs_difference": demo["agreement"]["max_abs_difference"],
        "reference_vs_onnxruntime_mismatched_fraction": demo["agreement"]["mismatched_fraction"],
        **km,
    }
    baseline = {"demo_fp32_ms": demo["fp32_ms"], "demo_fp32_accuracy": demo["fp32_acc"]}
    ratios = {"demo_fp32_over_int8": demo_speedup}
    drop = demo["fp32_acc"] - demo["ort_int8_acc"]
    km_drop = demo["fp32_acc"] - km["kmeans_4bit_accuracy"]
    targets = [
        Target("demo int8/fp32 latency (<= 1/2: 2x faster)", round(1 / demo_speedup, 3), "<=", 1 / SPEEDUP_TARGET),
        Target("demo accuracy drop fp32 -> int8 (points)", round(100 * drop, 3), "<=", 100 * ACCURACY_DROP_LIMIT),
        Target("demo drop fp32 -> 4-bit k-means (points)", round(100 * km_drop, 3), "<=", 2.0),
    ]
    notes = [
        f"batch: demo 256 digits, ResNet-18 one 224x224 image; {THREADS} onnxruntime threads",
        "ResNet-18 has random weights (no ImageNet data here): accuracy is int8/fp32 top-1 agreement",
        "k-means fine-tunes its codebooks; linear 4/2-bit is PTQ (weights only, min-max) without fine-tuning",
    ]
    if resnet is not None:
        resnet_speedup = resnet["fp32_ms"] / resnet["int8_ms"]
        metrics["resnet18_int8_ms"] = resnet["int8_ms"]
        metrics["resnet18_int8_top1_agreement_with_fp32"] = resnet["top1_agreement"]
        baseline["resnet18_fp32_ms"] = resnet["fp32_ms"]
        ratios["resnet18_fp32_over_int8"] = resnet_speedup
        targets.insert(1, Target("resnet18 int8/fp32 latency", round(1 / resnet_speedup, 3), "<=", 1 / SPEEDUP_TARGET))
    else:
        notes.append("quick mode: ResNet-18 skipped, no k-means fine-tuning")
    return bench_result(__doc__.splitlines()[0], metrics, baseline, ratios, targets, notes)
