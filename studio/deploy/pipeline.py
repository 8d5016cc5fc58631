"""Deploy, start to finish: int8 model -> memory plan -> C -> fit check -> build -> flash -> verify -> validate.

One function shared by the CLI (``tinyml-studio deploy``) and the GUI's Deploy button (as a job); each stage
reports progress and can be cancelled between samples.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.deploy.board import Board
from studio.deploy.connect import open_device, verify_firmware

STAGES = ("generate", "build", "flash", "verify", "validate")


@dataclass(frozen=True)
class DeployRequest:
    """What to deploy where: ``validate`` samples of ``x_codes``/``labels`` (int8 NHWC) are checked;
    ``kernels`` names the kernel set (``fast``, or ``generic`` for the straightforward baseline);
    ``profile_layers`` times every layer on the device once (one PROFILE frame) after validation."""

    board: Board
    out_dir: Path
    validate: int = 20
    port: str | None = None
    uf2_roots: tuple[Path, ...] | None = None
    kernels: str = "fast"
    profile_layers: bool = True


class _Stages:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def start(self, index: int, message: str) -> None:
        if self.ctx is not None:
            self.ctx.check_cancelled()
            self.ctx.progress(index, len(STAGES), message)
            self.ctx.log(message)


def deploy_int8(model: Any, request: DeployRequest, x_codes: np.ndarray | None, labels: np.ndarray | None,
                ctx: Any = None) -> dict[str, Any]:  # fmt: skip
    """Deploy ``model`` (:class:`~studio.int8.ir.Int8Model`) per ``request``; returns the JSON-able result.

    Raises :class:`~studio.deploy.errors.DeployError` subclasses (unsupported op, too big, toolchain missing,
    no board, wrong board, flashing failed) and :class:`~studio.deploy.protocol.ProtocolError`.
    """
    from studio.deploy.build import build_firmware
    from studio.deploy.codegen.generate import generate_model
    from studio.deploy.codegen.kernel_sets import CodegenConfig
    from studio.deploy.fit import estimate_fit, exact_fit
    from studio.deploy.flash import FlashOptions, flash_firmware
    from studio.deploy.report import memory_report
    from studio.deploy.validate import validate_on_device

    board, stages = request.board, _Stages(ctx)
    stages.start(0, f"generating C for {model.name} ({len(model.ops)} ops)")
    generated = generate_model(model, board, config=CodegenConfig(request.kernels))
    report = memory_report(model, generated)
    estimate_fit(board, report["const_bytes"], generated.plan.arena_bytes).raise_if_too_big()
    gen_dir = generated.write(request.out_dir / "src")

    stages.start(1, f"building for {board.name}")
    image = build_firmware(board, gen_dir, request.out_dir / "build")
    fit = exact_fit(board, image.flash_bytes, image.sram_bytes)
    fit.raise_if_too_big()

    stages.start(2, f"flashing {board.name}")
    options = FlashOptions(request.port, list(request.uf2_roots) if request.uf2_roots else None, ctx)
    flashed = flash_firmware(board, image, options)

    stages.start(3, "verifying the firmware over serial")
    result: dict[str, Any] = {
        "board": board.id,
        "board_name": board.name,
        "model": model.name,
        "kernels": generated.kernels,
        "flash_bytes": image.flash_bytes,
        "peak_sram_bytes": image.sram_bytes,
        "arena_bytes": generated.plan.arena_bytes,
        "sram_lower_bound_bytes": generated.plan.lower_bound,
        "const_bytes": report["const_bytes"],
        "sections": image.sections,
        "fit": fit.as_dict(),
        "flashed": flashed,
        "firmware": str(image.elf),
        "build_cached": image.cached,
        "memory": report,
    }
    with open_device(board, image.elf, request.port) as (client, session):
        info = verify_firmware(client, board, generated.model_hash)
        result["device"] = {"board_id": info.board_id, "model_hash": f"0x{info.model_hash:08x}"}
        stages.start(4, "validating against the integer reference")
        if x_codes is not None and request.validate > 0:
            n = min(request.validate, len(x_codes))
            labels_n = None if labels is None else labels[:n]
            v = validate_on_device(client, model, x_codes[:n], labels_n, ctx)
            result.update(_validation_summary(board, model, v))
            if request.profile_layers:
                ticks = client.profile(np.ascontiguousarray(x_codes[0], dtype=np.int8).tobytes())
                result["layer_timing"] = _merge_timing(board, model, ticks, report)
        else:
            result.update({"samples": 0, "mismatches": 0, "accuracy": None})
        client.exit()
        if session is not None:
            result["emulator_exit_status"] = session.close()
    if ctx is not None:
        ctx.progress(len(STAGES), len(STAGES), "deployed")
    return result


def _merge_timing(board: Board, model: Any, ticks: list[int], report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-layer timing rows; each also goes into the memory report's layer row (the table shows both)."""
    from studio.deploy.timing import layer_timing

    rows = layer_timing(board, model, ticks)
    for layer, row in zip(report["layers"], rows, strict=False):
        layer.update({k: v for k, v in row.items() if k != "name"})
    return rows


def _validation_summary(board: Board, model: Any, v: Any) -> dict[str, Any]:
    ticks = statistics.median(v.ticks) if v.ticks else 0
    out: dict[str, Any] = {
        "samples": v.samples,
        "mismatches": v.mismatches,
        "bit_exact": v.mismatches == 0,
        "accuracy": v.accuracy,
        "reference_accuracy": v.reference_accuracy,
        "first_mismatch": v.first_mismatch,
        "counter_ticks_per_inference": ticks,
    }
    from studio.deploy.timing import model_macs

    macs = model_macs(model)
    out["macs_per_inference"] = macs
    if board.emulated is not None:
        out["instructions_per_inference"] = round(ticks * board.emulated.instructions_per_tick)
        out["instructions_per_mac"] = out["instructions_per_inference"] / macs if macs else None
        out["timing"] = f"QEMU -icount: ~{board.emulated.instructions_per_tick:.0f} instructions per timer tick"
    else:
        out["cycles_per_inference"] = int(ticks)
        out["cycles_per_mac"] = ticks / macs if macs else None
        out["latency_ms"] = 1000.0 * ticks / board.clock_hz
    return out
