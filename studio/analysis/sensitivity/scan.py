"""The scan engine: for every layer and level, perturb that layer alone and score the model on a data subset.

Two ways to the same numbers:

* ``cached`` (the default): one dense pass captures the activations that enter each layer's influenced part
  (see :mod:`.suffix`); each (layer, level) then runs only that part, on up to two threads at once with the
  perturbed weights passed in functionally. Layers are taken in groups that fit ``memory_budget_mb`` of
  captured activations.
* ``full``: the straightforward loop, the whole model per (layer, level), weights swapped in place and put
  back. The fallback for models fx cannot split, and the reference the benchmark compares against.

Both batch the subset identically and score logits with the same function, so their curves are equal.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.analysis.evaluate import cross_entropy
from studio.analysis.sensitivity.layers import choose_layers
from studio.analysis.sensitivity.result import LayerCurve, ScanResult
from studio.core.errors import DataError, StudioError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studio.analysis.sensitivity.perturbation import Perturbation
    from studio.data.datasets import Dataset

DEFAULT_LEVELS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
METHODS = ("auto", "cached", "full")


@dataclass(frozen=True)
class ScanConfig:
    """How to scan. ``workers`` 0 means "as many as help" (up to two; each gets an equal share of torch's
    threads). ``method`` is "auto" (cached, or full when the model cannot be split), "cached" or "full"."""

    levels: tuple[float, ...] = DEFAULT_LEVELS
    batch_size: int = 512
    workers: int = 0
    memory_budget_mb: int = 256
    method: str = "auto"

    def __post_init__(self) -> None:
        if not self.levels:
            raise StudioError("a scan needs at least one level")
        if self.batch_size <= 0:
            raise StudioError(f"batch size must be positive, got {self.batch_size}")
        if self.method not in METHODS:
            raise StudioError(f"unknown scan method {self.method!r}; use one of {', '.join(METHODS)}")


def score_logits(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """``(accuracy, mean cross-entropy)`` of ``logits`` (N,K or N,K,1,1) against ``labels``.

    Raises :class:`DataError` when the logits do not have one row of class scores per label.
    """
    z = np.asarray(logits)
    if z.ndim > 2 and all(d == 1 for d in z.shape[2:]):
        z = z.reshape(z.shape[:2])
    if z.ndim != 2 or z.shape[0] != len(labels) or z.shape[1] <= int(labels.max()):
        raise DataError(f"the model returned shape {list(z.shape)} for {len(labels)} labelled images")
    accuracy = float((z.argmax(axis=1) == labels).mean())
    return accuracy, float(cross_entropy(z, labels).mean())


def _batches(data: Dataset, batch_size: int) -> list[torch.Tensor]:
    import torch

    return [torch.from_numpy(data.x[i : i + batch_size]) for i in range(0, len(data), batch_size)]


def _output_numpy(out: Any) -> np.ndarray:
    from studio.runtime.executor import first_output

    return first_output(out).detach().float().numpy()


def _check(ctx: Any) -> None:
    if ctx is not None and ctx.cancelled:
        ctx.check_cancelled()


def _sorted_levels(levels: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(sorted({float(v) for v in levels}))


class _Progress:
    """Counts (layer, level) evaluations for the job's progress bar."""

    def __init__(self, ctx: Any, total: int) -> None:
        self.ctx, self.total, self.done = ctx, max(1, total), 0

    def step(self, message: str) -> None:
        self.done += 1
        if self.ctx is not None:
            self.ctx.progress(self.done, self.total, message)


def scan_sensitivity(
    model: nn.Module,
    data: Dataset,
    perturbation: Perturbation,
    layers: list[str] | None = None,
    config: ScanConfig = ScanConfig(),
    ctx: Any = None,
) -> ScanResult:
    """Scan ``layers`` (default: every layer ``perturbation`` accepts) of ``model`` on ``data``.

    ``data`` is already the subset to score on, adapted to the model's input. ``ctx`` (a job context or
    ``None``) gets progress per (layer, level) and is checked for cancellation between them. The model is
    never changed (the ``full`` method swaps weights in place and always restores them). Raises
    :class:`StudioError` when no layer can be scanned or the data does not fit the model.
    """
    import torch

    from studio.analysis.sensitivity.suffix import TraceError, traced_copy

    started = time.perf_counter()
    choice = choose_layers(model, perturbation, layers)
    if not choice.names:
        reasons = "; ".join(f"{n}: {r}" for n, r in choice.skipped[:3]) or "it has no weight layers"
        raise StudioError(f"no layer can be scanned for {perturbation.name} ({reasons})")
    if len(data) == 0:
        raise DataError(f"{data.name} holds no samples to scan with")
    levels = _sorted_levels(config.levels)
    for level in levels:  # fail on a bad level before any work
        perturbation.perturbed(model.get_submodule(choice.names[0]), level)
    method = config.method
    gm = None
    if method in ("auto", "cached"):
        try:
            gm = traced_copy(model)
            method = "cached"
        except TraceError as exc:
            if config.method == "cached":
                raise
            if ctx is not None:
                ctx.log(f"{exc}; re-evaluating the whole model for every level instead")
            method = "full"
    with torch.no_grad():
        if method == "cached":
            curves, base = _scan_cached(model, gm, data, perturbation, choice.names, levels, config, ctx)
        else:
            curves, base = _scan_full(model, data, perturbation, choice.names, levels, config, ctx, True)
    return ScanResult(
        perturbation=perturbation.name,
        label=perturbation.label,
        baseline_accuracy=base[0],
        baseline_loss=base[1],
        samples=len(data),
        layers=tuple(curves),
        skipped=choice.skipped,
        method=method,
        seconds=round(time.perf_counter() - started, 4),
    )


def _param_count(model: nn.Module, name: str) -> int:
    weight = getattr(model.get_submodule(name), "weight", None)
    return int(weight.numel()) if weight is not None else 0


# ------------------------------------------------------------------------------------------------ full
@contextmanager
def swapped_parameters(module: nn.Module, replacements: dict[str, torch.Tensor]) -> Iterator[None]:
    """Copy ``replacements`` into ``module``'s parameters for the ``with`` block, then restore them exactly."""
    import torch

    saved = {}
    with torch.no_grad():
        try:
            for name, value in replacements.items():
                param = getattr(module, name)
                saved[name] = param.detach().clone()
                param.copy_(value)
            yield
        finally:
            for name, value in saved.items():
                getattr(module, name).copy_(value)


def full_logits(model: nn.Module, batches: list[torch.Tensor]) -> np.ndarray:
    """The model's first output on every batch, concatenated (float32 numpy)."""
    return np.concatenate([_output_numpy(model(b)) for b in batches], axis=0)


def _scan_full(
    model: nn.Module,
    data: Dataset,
    perturbation: Perturbation,
    names: tuple[str, ...],
    levels: tuple[float, ...],
    config: ScanConfig,
    ctx: Any,
    reuse_identity: bool,
) -> tuple[list[LayerCurve], tuple[float, float]]:
    batches = _batches(data, config.batch_size)
    was_training = model.training
    _set_train(model, False)
    try:
        base = score_logits(full_logits(model, batches), data.y)
        progress = _Progress(ctx, len(names) * len(levels))
        curves = []
        for name in names:
            layer = model.get_submodule(name)
            acc, loss = [], []
            for level in levels:
                _check(ctx)
                if reuse_identity and perturbation.is_identity(level):
                    a, lo = base
                else:
                    with swapped_parameters(layer, perturbation.perturbed(layer, level)):
                        a, lo = score_logits(full_logits(model, batches), data.y)
                acc.append(a)
                loss.append(lo)
                progress.step(f"{name} at {level:g}")
            curves.append(LayerCurve(name, levels, tuple(acc), tuple(loss), _param_count(model, name)))
    finally:
        _set_train(model, was_training)
    return curves, base


def _set_train(model: nn.Module, mode: bool) -> None:
    # Modules from ExportedProgram.module() refuse train()/eval(); they carry no train-mode state anyway.
    with contextlib.suppress(NotImplementedError):
        model.train(mode)


def straightforward_scan(
    model: nn.Module, data: Dataset, perturbation: Perturbation, layers: list[str] | None, config: ScanConfig
) -> ScanResult:
    """The naive loop, whole model re-evaluated for every layer and every level (level 0 included): the
    benchmark's reference. Same result type as :func:`scan_sensitivity`."""
    import torch

    started = time.perf_counter()
    choice = choose_layers(model, perturbation, layers)
    with torch.no_grad():
        curves, base = _scan_full(
            model, data, perturbation, choice.names, _sorted_levels(config.levels), config, None, False
        )
    return ScanResult(
        perturbation.name,
        perturbation.label,
        base[0],
        base[1],
        len(data),
        tuple(curves),
        choice.skipped,
        "full",
        round(time.perf_counter() - started, 4),
    )


# ------------------------------------------------------------------------------------------------ cached
def _worker_count(config: ScanConfig) -> int:
    if config.workers > 0:
        return config.workers
    return max(1, min(2, os.cpu_count() or 1))


def _frontier_bytes(gm: Any, plans: dict[str, Any], probe: torch.Tensor) -> dict[str, int]:
    """Bytes per sample of every frontier value, from a one-sample pass."""
    from studio.analysis.sensitivity.suffix import capture_module, input_names

    inputs = set(input_names(gm))
    wanted = sorted({f for p in plans.values() for f in p.frontier if f not in inputs})
    if not wanted:
        return {}
    values = capture_module(gm, wanted)(probe[:1])[1:]
    return {name: int(v.nbytes) if hasattr(v, "nbytes") else 0 for name, v in zip(wanted, values, strict=True)}


def _groups(names: tuple[str, ...], plans: dict[str, Any], sizes: dict[str, int], budget: int) -> list[list[str]]:
    """Consecutive layers whose captured frontiers together stay within ``budget`` bytes (at least one each)."""
    groups: list[list[str]] = []
    current: list[str] = []
    held: set[str] = set()
    for name in names:
        need = {f for f in plans[name].frontier if f in sizes}
        extra = sum(sizes[f] for f in need - held)
        if current and sum(sizes[f] for f in held) + extra > budget:
            groups.append(current)
            current, held = [], set()
        current.append(name)
        held |= need
    if current:
        groups.append(current)
    return groups


def _scan_cached(
    model: nn.Module,
    gm: Any,
    data: Dataset,
    perturbation: Perturbation,
    names: tuple[str, ...],
    levels: tuple[float, ...],
    config: ScanConfig,
    ctx: Any,
) -> tuple[list[LayerCurve], tuple[float, float]]:
    import torch

    from studio.analysis.sensitivity.perturbation import level_function
    from studio.analysis.sensitivity.suffix import LAYER_KEY, capture_module, input_names, layer_with, plan_suffix

    batches = _batches(data, config.batch_size)
    inputs = input_names(gm)
    plans = {}
    for name in names:
        own = set(dict(model.get_submodule(name).named_parameters(recurse=False)))
        plans[name] = plan_suffix(gm, name, own)
    sizes = _frontier_bytes(gm, plans, batches[0])
    budget = config.memory_budget_mb * 1024 * 1024 // len(data)
    groups = _groups(names, plans, sizes, budget)
    todo = [(n, lv) for n in names for lv in levels if not perturbation.is_identity(lv) and plans[n].affects_output]
    progress = _Progress(ctx, len(todo))
    base: tuple[float, float] | None = None
    results: dict[tuple[str, float], tuple[float, float]] = {}
    workers = _worker_count(config)
    threads_before = torch.get_num_threads()
    share = max(1, threads_before // workers)
    cancel = threading.Event()

    at_level: dict[str, Any] = {}  # per layer: level -> replacement tensors (sorted once per layer)

    def run_item(name: str, level: float, frontier: list[list[Any]]) -> tuple[str, float, float, float]:
        torch.set_num_threads(share)
        if cancel.is_set():
            return name, level, float("nan"), float("nan")
        plan = plans[name]
        layer = model.get_submodule(name)
        overrides: dict[str, Any] = dict(at_level[name](level))
        overrides[LAYER_KEY] = layer_with(layer, overrides)
        with torch.no_grad():
            logits = np.concatenate([_output_numpy(plan.suffix(overrides, *args)) for args in frontier], axis=0)
        return (name, level, *score_logits(logits, data.y))

    try:
        torch.set_num_threads(share)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
            for group in groups:
                _check(ctx)
                wanted = sorted({f for n in group for f in plans[n].frontier if f not in inputs})
                capture = capture_module(gm, wanted)
                stored: dict[str, list[Any]] = {f: [] for f in wanted}
                logits = []
                for batch in batches:
                    out = capture(batch)
                    logits.append(_output_numpy(out[0]))
                    for f, value in zip(wanted, out[1:], strict=True):
                        stored[f].append(value)
                if base is None:
                    base = score_logits(np.concatenate(logits, axis=0), data.y)
                frontier_of: dict[str, list[list[Any]]] = {}
                for name in group:
                    frontier_of[name] = [
                        [batch if f in inputs else stored[f][b] for f in plans[name].frontier]
                        for b, batch in enumerate(batches)
                    ]
                for name in group:
                    at_level[name] = level_function(perturbation, model.get_submodule(name))
                items = [(n, lv) for n, lv in todo if n in frontier_of]
                _run_items(pool, items, run_item, frontier_of, results, progress, ctx, cancel)
                del stored, frontier_of
                at_level.clear()
    finally:
        cancel.set()
        torch.set_num_threads(threads_before)
    assert base is not None
    curves = []
    for name in names:
        acc, loss = [], []
        for level in levels:
            a, lo = results.get((name, level), base)
            acc.append(a)
            loss.append(lo)
        curves.append(LayerCurve(name, levels, tuple(acc), tuple(loss), _param_count(model, name)))
    return curves, base


def _run_items(
    pool: ThreadPoolExecutor,
    items: list[tuple[str, float]],
    run_item: Callable[..., tuple[str, float, float, float]],
    frontier_of: dict[str, list[list[Any]]],
    results: dict[tuple[str, float], tuple[float, float]],
    progress: _Progress,
    ctx: Any,
    cancel: threading.Event,
) -> None:
    """Submit at most two items per worker ahead, so a cancel stops the scan within one item."""
    pending: set[Future[Any]] = set()
    queue = list(items)
    limit = 2 * pool._max_workers
    while queue or pending:
        while queue and len(pending) < limit:
            name, level = queue.pop(0)
            pending.add(pool.submit(run_item, name, level, frontier_of[name]))
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            name, level, acc, loss = future.result()
            results[(name, level)] = (acc, loss)
            progress.step(f"{name} at {level:g}: accuracy {acc:.3f}")
        if ctx is not None and ctx.cancelled:
            cancel.set()
            ctx.check_cancelled()
