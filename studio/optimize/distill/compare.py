"""The student with and without distillation over several seeds: mean and standard deviation of both.

Why several seeds: on a small data set one run's accuracy moves by a point or more with the initial weights;
a claim that distillation helps is only worth something when the gain exceeds that spread. Each (mode, seed)
run is independent, so on a Ray cluster they run as parallel tasks (:func:`run_payload` is the task body).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.core.errors import StudioError
from studio.optimize.distill.config import DistillConfig
from studio.optimize.distill.trainer import RunResult, StudentData

if TYPE_CHECKING:
    from studio.data.datasets import Dataset
    from studio.formats.base import LoadedModel

MODES = ("kd", "baseline")


def teacher_outputs(teacher: LoadedModel, train: Dataset, features: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The teacher's logits (and, with ``features``, the inputs of its last linear layer) on ``train``.

    Raises :class:`StudioError` when features are asked of a model without a torch module (ONNX).
    """
    x = train.adapted_to(teacher.input_shape).x if teacher.input_shape else train.x
    if teacher.module is None:
        if features:
            raise StudioError("feature distillation needs a PyTorch teacher; this one runs through onnxruntime")
        from studio.runtime.executor import make_executor

        predict = make_executor(teacher)
        return np.concatenate([predict(x[i : i + 256]) for i in range(0, len(x), 256)]).astype(np.float32), None
    import torch

    from studio.optimize.distill.trainer import _last_linear

    module = teacher.module.eval()
    captured: list[Any] = []
    handle = _last_linear(module).register_forward_pre_hook(lambda _m, a: captured.append(a[0])) if features else None
    logits = []
    try:
        with torch.no_grad():
            for i in range(0, len(x), 256):
                logits.append(module(torch.from_numpy(x[i : i + 256])).numpy())
    finally:
        if handle is not None:
            handle.remove()
    feats = torch.cat(captured).numpy().astype(np.float32) if features else None
    return np.concatenate(logits).astype(np.float32), feats


def student_data(
    input_shape: tuple[int, ...], train: Dataset, val: Dataset, logits: np.ndarray, features: np.ndarray | None
) -> StudentData:
    """Images at the student's input shape plus the teacher's outputs."""
    tr, va = train.adapted_to(input_shape), val.adapted_to(input_shape)
    return StudentData(tr.x, tr.y, va.x, va.y, logits, features, tuple(train.class_names))


def run_payload(payload: dict[str, Any], ctx: Any = None, on_epoch: Any = None) -> RunResult:
    """One run: a fresh student (seeded) trained with or without the teacher. The Ray task body too."""
    import torch

    from studio.optimize.distill.students import build_student
    from studio.optimize.distill.trainer import train_student

    config = DistillConfig.from_dict(payload["config"])
    if payload["mode"] == "baseline":
        config = config.baseline()
    data: StudentData = payload["data"]
    torch.manual_seed(payload["seed"])
    student, _shape, _name = build_student(payload["student"], data.train_x.shape[1], payload["num_classes"])
    return train_student(student, data, config, payload["seed"], ctx, on_epoch)


def _run_remote(payload: dict[str, Any], data: StudentData) -> RunResult:
    """The Ray task: ``data`` comes as its own argument, so Ray resolves its object reference (nested ones in a
    dict are not resolved)."""
    return run_payload({**payload, "data": data})


def run_all(
    payloads: list[dict[str, Any]],
    ctx: Any = None,
    ray_address: str | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    on_epoch: Callable[[dict[str, Any], int, float], None] | None = None,
) -> list[RunResult]:
    """Every payload's run, in order: one after the other here, or as parallel Ray tasks."""
    results: list[RunResult] = []
    if not ray_address:
        for payload in payloads:
            if ctx is not None:
                ctx.check_cancelled()

            def epoch_cb(epoch: int, acc: float, payload: dict[str, Any] = payload) -> None:
                if on_epoch is not None:
                    on_epoch(payload, epoch, acc)

            result = run_payload(payload, None, epoch_cb)
            results.append(result)
            if on_result is not None:
                on_result(result)
            if ctx is not None and getattr(ctx, "pause_requested", False) and len(results) < len(payloads):
                ctx.check_paused(resume=True)
        return results
    from studio.optimize.nas.ray_backend import connect

    ray = connect(ray_address)
    task = ray.remote(num_cpus=1)(_run_remote)
    shared = ray.put(payloads[0]["data"]) if payloads else None
    refs = [task.remote({k: v for k, v in p.items() if k != "data"}, shared) for p in payloads]
    by_ref = dict(zip(refs, range(len(refs)), strict=True))
    done_results: dict[int, RunResult] = {}
    pending = list(refs)
    while pending:
        if ctx is not None and ctx.cancelled:
            for ref in pending:
                ray.cancel(ref, force=True)
            ctx.check_cancelled()
        ready, pending = ray.wait(pending, num_returns=1, timeout=0.2)
        for ref in ready:
            result = ray.get(ref)
            done_results[by_ref[ref]] = result
            if on_result is not None:
                on_result(result)
    return [done_results[i] for i in range(len(refs))]


def summarize(results: list[RunResult]) -> dict[str, Any]:
    """``{"kd": {...}, "baseline": {...}, "gain": mean difference}`` with mean, sd and per-seed accuracies."""
    out: dict[str, Any] = {}
    for mode in MODES:
        accs = [r.accuracy for r in sorted(results, key=lambda r: r.seed) if r.mode == mode]
        out[mode] = {
            "mean": statistics.fmean(accs) if accs else None,
            "sd": statistics.stdev(accs) if len(accs) > 1 else 0.0,
            "per_seed": accs,
        }
    if out["kd"]["mean"] is not None and out["baseline"]["mean"] is not None:
        out["gain"] = out["kd"]["mean"] - out["baseline"]["mean"]
    return out
