"""Deploy: our peak SRAM (arena) against TFLite Micro's arena and the planner's lower bound, and bit-exactness
of the reference, the generated C (host build) and TFLite Micro, on the demo CNN and a MobileNet-style block
model (depthwise, pointwise, residual add), both lowered with the deploy defaults (float32 scales, as TFLite).

Targets (DESIGN.md): arena <= TFLite Micro's arena total, arena <= 1.05 x lower bound, zero mismatches.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.result import Target, bench_result


def _mobilenet_block_model() -> Any:
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU6())
            self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16), nn.ReLU6())
            self.pw = nn.Sequential(nn.Conv2d(16, 16, 1), nn.BatchNorm2d(16))
            self.head = nn.Conv2d(16, 32, 1)
            self.pool = nn.AvgPool2d(12)
            self.fc = nn.Linear(32, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            s = self.stem(x)
            y = s + self.pw(self.dw(s))
            return self.fc(torch.flatten(self.pool(torch.relu(self.head(y))), 1))

    torch.manual_seed(0)
    return Block().eval()


def _measure(name: str, model: Any, x: np.ndarray) -> dict[str, Any]:
    from studio.deploy.codegen.generate import generate_model
    from studio.deploy.codegen.host_harness import build_host, run_host
    from studio.deploy.tflite_export import run_tflite_micro, to_tflite
    from studio.int8.reference import run_int8

    generated = generate_model(model)
    tflm, arena = run_tflite_micro(to_tflite(model), x)
    ref = run_int8(model, x)[model.outputs[0]].reshape(len(x), -1)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_host(build_host(generated, Path(tmp)), x)
    return {
        f"{name}_arena_bytes": generated.plan.arena_bytes,
        f"{name}_lower_bound_bytes": generated.plan.lower_bound,
        f"{name}_tflm_arena_total_bytes": arena.get("total", 0),
        f"{name}_tflm_arena_head_bytes": arena.get("head", 0),
        f"{name}_mismatches_c_vs_reference": int(np.any(ours != ref, axis=1).sum()),
        f"{name}_mismatches_tflm_vs_reference": int(np.any(tflm != ref, axis=1).sum()),
        f"{name}_samples": len(x),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure both models; ``quick`` uses fewer samples."""
    import torch

    from studio.deploy.tflite_export import with_float32_scales
    from studio.int8.lower import lower_module
    from studio.int8.reference import input_codes
    from studio.workflows.deploy import int8_from_spec, validation_codes
    from studio.workflows.model_spec import resolve_model_spec

    torch.set_num_threads(2)
    n = 50 if quick else 300
    demo = with_float32_scales(int8_from_spec(resolve_model_spec("demo"), "digits"))
    x_demo, _ = validation_codes(demo, "digits")
    xf = np.random.default_rng(0).random((n + 64, 3, 12, 12)).astype(np.float32)
    block = with_float32_scales(lower_module(_mobilenet_block_model(), (1, 3, 12, 12), xf[:64], name="mbblock"))
    metrics: dict[str, Any] = {}
    metrics |= _measure("demo", demo, x_demo[:n])
    metrics |= _measure("mbblock", block, input_codes(block, xf[64:]))
    ratios, targets = {}, []
    for m in ("demo", "mbblock"):
        ratios[f"{m}_arena_vs_tflm"] = metrics[f"{m}_arena_bytes"] / max(metrics[f"{m}_tflm_arena_total_bytes"], 1)
        ratios[f"{m}_arena_vs_lower_bound"] = metrics[f"{m}_arena_bytes"] / metrics[f"{m}_lower_bound_bytes"]
        targets += [
            Target(f"{m} arena / TFLite Micro arena", ratios[f"{m}_arena_vs_tflm"], "<=", 1.0),
            Target(f"{m} arena / planner lower bound", ratios[f"{m}_arena_vs_lower_bound"], "<=", 1.05),
            Target(f"{m} generated C mismatches", metrics[f"{m}_mismatches_c_vs_reference"], "==", 0),
            Target(f"{m} TFLite Micro mismatches", metrics[f"{m}_mismatches_tflm_vs_reference"], "==", 0),
        ]
    baseline = {k: v for k, v in metrics.items() if "tflm" in k}
    notes = [
        "arena = every activation buffer incl. input and output, placed by the planner (in-place pooling, "
        "depthwise and add; reshape aliased); TFLite Micro total = its planned tensors (head) + persistent "
        "structures (tail), as its RecordingMicroAllocator reports",
        "the generated C runs as a host build here; tests/deploy/test_qemu_e2e.py runs it on QEMU Cortex-M",
    ]
    return bench_result(__doc__.splitlines()[0], metrics, baseline, ratios, targets, notes)
