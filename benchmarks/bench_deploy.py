"""Deploy: our peak SRAM (arena) against TFLite Micro's arena and the planner's lower bound, bit-exactness of
the reference, the generated C (host build) and TFLite Micro, and the speed of the generated kernels on an
emulated Cortex-M4 (QEMU mps2-an386, instructions counted with -icount): the fast kernel set against the
straightforward generic one, built and run in the same benchmark. On the demo CNN and a MobileNet-style block
model (depthwise, pointwise, residual add), both lowered with the deploy defaults (float32 scales, as TFLite).

Targets (DESIGN.md): arena <= TFLite Micro's arena total, arena <= 1.05 x lower bound, zero mismatches; fast
kernels at most a third of the generic kernels' instructions, bit-exact on the emulated device.
"""

from __future__ import annotations

import shutil
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


EMULATED_BOARD = "qemu-m4"
KERNEL_SETS = ("fast", "generic")


def _emulated(name: str, model: Any, x: np.ndarray, labels: np.ndarray | None, samples: int) -> dict[str, Any]:
    """Deploy ``model`` to QEMU's Cortex-M4 with each kernel set (the same pipeline a user runs): instructions
    per inference and per MAC, flash, device mismatches, the per-layer instructions of both; and the cycle
    estimate of one inference (:mod:`studio.deploy.cycles`)."""
    from studio.deploy.board_registry import get_board
    from studio.deploy.cycles import estimate_cycles
    from studio.deploy.pipeline import DeployRequest, deploy_int8

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kernels in KERNEL_SETS:
            request = DeployRequest(get_board(EMULATED_BOARD), Path(tmp) / kernels, validate=samples, kernels=kernels)
            r = deploy_int8(model, request, x, labels)
            key = f"{name}_m4_{kernels}"
            out[f"{key}_instructions"] = r["instructions_per_inference"]
            out[f"{key}_instructions_per_mac"] = r["instructions_per_mac"]
            out[f"{key}_flash_bytes"] = r["flash_bytes"]
            out[f"{key}_device_mismatches"] = r["mismatches"]
            out[f"{key}_layers"] = {row["name"]: row["instructions"] for row in r["layer_timing"]}
            modelled = estimate_cycles(model, get_board(EMULATED_BOARD), x[0], Path(tmp) / f"{kernels}-trace", kernels)
            out[f"{key}_cycles_model"] = modelled["cycles"]
            out[f"{key}_cycles_model_per_mac"] = modelled["cycles"] / r["macs_per_inference"]
        out[f"{name}_macs"] = r["macs_per_inference"]
    return out


def _has_emulator() -> bool:
    return shutil.which("arm-none-eabi-gcc") is not None and shutil.which("qemu-system-arm") is not None


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
    x_block = input_codes(block, xf[64:])
    metrics: dict[str, Any] = {}
    metrics |= _measure("demo", demo, x_demo[:n])
    metrics |= _measure("mbblock", block, x_block)
    layers: dict[str, Any] = {}
    emulated = _has_emulator()
    if emulated:
        device_samples = 10 if quick else 40
        for name, model, x in (("demo", demo, x_demo), ("mbblock", block, x_block)):
            measured = _emulated(name, model, x, None, device_samples)
            layers |= {k: measured.pop(k) for k in list(measured) if k.endswith("_layers")}
            metrics |= measured
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
    if emulated:
        for m in ("demo", "mbblock"):
            fast, generic = metrics[f"{m}_m4_fast_instructions"], metrics[f"{m}_m4_generic_instructions"]
            ratios[f"{m}_m4_fast_vs_generic_instructions"] = fast / generic
            ratios[f"{m}_m4_speedup"] = generic / fast
            cycles_fast, cycles_generic = (metrics[f"{m}_m4_{k}_cycles_model"] for k in KERNEL_SETS)
            ratios[f"{m}_m4_speedup_cycles_model"] = cycles_generic / cycles_fast
            targets += [
                Target(f"{m} fast / generic instructions on Cortex-M4", fast / generic, "<=", 1 / 3),
                Target(f"{m} fast kernels device mismatches", metrics[f"{m}_m4_fast_device_mismatches"], "==", 0),
                Target(f"{m} generic kernels device mismatches", metrics[f"{m}_m4_generic_device_mismatches"], "==", 0),
            ]
    baseline = {k: v for k, v in metrics.items() if "tflm" in k or "_generic_" in k}
    notes = [
        "arena = every activation buffer incl. input and output, placed by the planner (in-place pooling, "
        "depthwise and add; reshape aliased); TFLite Micro total = its planned tensors (head) + persistent "
        "structures (tail), as its RecordingMicroAllocator reports",
        "arena and bit-exactness of the generated C are measured on a host build; speed on QEMU mps2-an386 "
        "(Cortex-M4, -icount shift=0: one instruction per ns, the 25 MHz timer ticks every 40 instructions), "
        "both kernel sets deployed and validated on the emulated device in this run",
        "instructions are not cycles: *_cycles_model prices QEMU's exact executed instruction stream of one "
        "inference with the Cortex-M4 timing table (studio/deploy/cycles.py; zero-wait memory, 2-cycle refill "
        "after taken branches, pipelined loads); an estimate, not a measurement on silicon",
        "MACs count padding taps (as TFLite Micro and TinyEngine do); the kernels skip them",
        "TFLite Micro's own kernels are not run on the emulated core: the tflite-micro wheel is a host (x86) "
        "interpreter without its C++ sources, so there is no Cortex-M build of it offline; the generic kernel set "
        "(one MAC at a time, a padding test per tap, the full MultiplyByQuantizedMultiplier per output) is the "
        "same straightforward scheme as its reference kernels",
    ]
    if not emulated:
        notes.append("arm-none-eabi-gcc or qemu-system-arm missing: the emulated-speed metrics were skipped")
    notes += [f"per-layer instructions {key}: {value}" for key, value in layers.items()]
    return bench_result(__doc__.splitlines()[0], metrics, baseline, ratios, targets, notes)
