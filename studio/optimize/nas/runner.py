"""The steps of a search job, each usable on its own: data at the space's resolution, the supernet (trained
or reused), the constrained search with finished trials kept in the store, and fine-tuning a candidate.

Why replay instead of a saved search state: strategies are deterministic for a seed, so a resumed (or
restarted after a crash) search proposes the same candidates again; those already in the store are answered
from it without evaluation, and the search continues exactly where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.optimize.nas.request import FinetuneRequest, NasRequest
from studio.optimize.nas.space import SearchSpace, default_space, parse_space

if TYPE_CHECKING:
    from studio.data.datasets import Dataset
    from studio.optimize.nas.search import Trial
    from studio.optimize.trial_store import TrialStore

#: The validation split every NAS and distillation number uses (the demo's, too).
VAL_FRACTION = 0.2
SPLIT_SEED = 0


def request_space(request: NasRequest) -> SearchSpace:
    """The request's space (its TOML text, or the built-in one); raises SearchSpaceError."""
    return parse_space(request.space_toml, "search space") if request.space_toml else default_space()


def prepare_data(data_spec: str, resolution: int) -> tuple[Dataset, Dataset]:
    """``(train, val)`` of ``data_spec`` resized to ``resolution`` (the split of :func:`Dataset.split`)."""
    from studio.data.datasets import load_dataset

    dataset = load_dataset(data_spec)
    train, val = dataset.split(VAL_FRACTION, seed=SPLIT_SEED)
    shape = (None, resolution, resolution)
    return train.adapted_to(shape), val.adapted_to(shape)


def ensure_supernet(
    ctx: Any, request: NasRequest, space: SearchSpace, train: Dataset, store: TrialStore, run_id: int, resume: bool
) -> tuple[Any, Path]:
    """The trained supernet for ``request``: loaded when an equal one was trained before, else trained now.

    Returns ``(supernet, path)``. Each epoch's loss becomes the curve ``supernet/loss`` of the run.
    """
    import torch

    from studio.optimize.nas.progressive import train_supernet
    from studio.optimize.nas.supernet import Supernet
    from studio.optimize.nas.supernet_io import load_supernet, save_supernet

    work = Path(request.work_dir)
    fingerprint = request.supernet_fingerprint()
    path = work / f"supernet-{fingerprint}.pt"
    if path.exists():
        ctx.log(f"reusing the trained supernet {path.name}")
        supernet, _info = load_supernet(path)
        return supernet, path
    torch.manual_seed(request.supernet.seed)
    supernet = Supernet(space, train.input_shape[0], train.num_classes)
    torch.set_num_threads(max(1, request.supernet.threads))
    if request.ray_address and request.ray_train_workers > 0:
        from studio.optimize.nas.ray_backend import train_supernet_on_ray

        history = train_supernet_on_ray(
            request.ray_address, supernet, train, request.supernet, ctx, request.ray_train_workers, work / "ray"
        )
    else:
        history = train_supernet(supernet, train, request.supernet, work / f"supernet-{fingerprint}", ctx, resume)
    for step, record in enumerate(history, 1):
        store.add_point(run_id, "supernet/loss", step, record["loss"])
    save_supernet(path, supernet, {"fingerprint": fingerprint, "history": history, "data": request.data})
    return supernet, path


def run_search(
    ctx: Any, request: NasRequest, supernet: Any, val: Dataset, train: Dataset, store: TrialStore, run_id: int
) -> list[Trial]:
    """The constrained search of ``request``; each finished trial is written to ``store`` at once.

    Trials already in the store for ``run_id`` (a resumed or restarted run) are reused, not re-evaluated.
    A pause request stops between batches with ``JobPaused(resume=True)``.
    """
    from studio.optimize.nas.costs import subnet_graph
    from studio.optimize.nas.executors import make_executor
    from studio.optimize.nas.latency_table import MeasuredLatencyTable, board_latencies
    from studio.optimize.nas.problem import SearchProblem
    from studio.optimize.nas.search import make_strategy_config, strategy_for
    from studio.optimize.nas.trial_eval import prepare_trial_data

    space = supernet.space
    table_path = Path(request.work_dir) / "latency_host.json"
    table = (
        MeasuredLatencyTable.load(table_path) if request.measure_latency or request.constraints.needs_latency else None
    )
    problem = SearchProblem(space, supernet.in_channels, supernet.num_classes, request.constraints, table)
    config = make_strategy_config(
        request.strategy,
        trials=request.trials,
        population=request.population,
        batch_size=request.population,
        seed=request.seed,
    )
    known = {t["index"]: t for t in store.trials(run_id)}
    executor = make_executor(supernet, prepare_trial_data(train, val), request.ray_address)
    position = 0
    ctx.progress(len(known), request.trials, f"search: {len(known)}/{request.trials} trials")

    def evaluate(batch: list[Any]) -> list[float]:
        nonlocal position
        results: list[float | None] = []
        todo = []
        for j, arch in enumerate(batch):
            old = known.get(position + j)
            results.append(old["accuracy"] if old is not None and old["key"] == arch.key() else None)
            if results[-1] is None:
                todo.append(j)
        position += len(batch)
        if todo:
            ctx.check_cancelled()
            if getattr(ctx, "pause_requested", False):
                ctx.check_paused(resume=True)
            for j, acc in zip(todo, executor.evaluate([batch[j] for j in todo], ctx), strict=True):
                results[j] = acc
        return [float(r) for r in results]  # type: ignore[arg-type]

    def on_trial(trial: Trial) -> None:
        if trial.index not in known or known[trial.index]["key"] != trial.arch.key():
            record = trial.to_dict()
            graph = subnet_graph(space, trial.arch, supernet.in_channels, supernet.num_classes)
            record["board_latency"] = board_latencies(graph)
            store.add_trial(run_id, record)
        ctx.progress(
            trial.index + 1,
            request.trials,
            f"search: trial {trial.index + 1}/{request.trials}, accuracy {100 * trial.accuracy:.1f}%",
        )

    ctx.log(f"{request.strategy} search, {request.trials} trials on {executor.name}")
    try:
        trials = strategy_for(config).run(config, problem, evaluate, on_trial)
    finally:
        executor.close()
        if table is not None:
            table.save(table_path)
    return trials


def finetune_subnet(ctx: Any, request: FinetuneRequest) -> dict[str, Any]:
    """Extract the subnet, recalibrate and measure it, fine-tune it (checkpointed, pausable), measure again.

    Returns the standalone module, its input shape, both accuracies, the per-epoch validation curve and the
    path of its saved weights (a plain state_dict).
    """
    import json

    import torch

    from studio.optimize.nas.arch import SubnetArch
    from studio.optimize.nas.subnet import recalibrate_batchnorm
    from studio.optimize.nas.supernet import images_at
    from studio.optimize.nas.supernet_io import load_supernet
    from studio.optimize.nas.trial_eval import accuracy_of
    from studio.train.loop import TrainingConfig, TrainingHooks, train_classifier

    supernet, info = load_supernet(request.supernet_path)
    arch = SubnetArch.from_json(request.arch_json)
    space = supernet.space
    train, val = prepare_data(request.data, arch.resolution)
    from studio.optimize.nas.subnet import extract_subnet

    out = Path(request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"subnet-{arch.key()}".replace("|", "_").replace(",", "-")
    checkpoint = out / f"{stem}.ckpt"
    subnet = extract_subnet(supernet, arch)
    recalibrate_batchnorm(subnet, images_at(torch.from_numpy(train.subset(256, seed=0).x), arch.resolution))
    val_x, val_y = torch.from_numpy(val.x), torch.from_numpy(val.y)
    before = accuracy_of(subnet, val_x, val_y)
    ctx.log(f"extracted {arch.key()}: {100 * before:.2f}% with supernet weights")
    curve: list[tuple[int, float]] = []

    def on_epoch(epoch: int, _loss: float) -> None:
        subnet.eval()
        curve.append((epoch + 1, accuracy_of(subnet, val_x, val_y)))

    hooks = TrainingHooks(
        on_epoch_end=on_epoch,
        checkpoint_path=str(checkpoint),
        resume_from=str(checkpoint) if checkpoint.exists() else None,
        resume_kwargs={},
    )
    config = TrainingConfig(epochs=request.epochs, learning_rate=request.learning_rate, seed=request.seed)
    if request.epochs > 0:
        train_classifier(subnet, train, config, ctx, hooks=hooks)
    after = accuracy_of(subnet.eval(), val_x, val_y)
    weights = out / f"{stem}.pt"
    torch.save(subnet.state_dict(), weights)
    (out / f"{stem}.arch.json").write_text(json.dumps({"space": space.to_dict(), "arch": arch.to_dict()}))
    checkpoint.unlink(missing_ok=True)
    return {
        "module": subnet,
        "input_shape": (1, supernet.in_channels, arch.resolution, arch.resolution),
        "arch": arch.to_dict(),
        "arch_key": arch.key(),
        "space": space.to_dict(),
        "num_classes": supernet.num_classes,
        "accuracy_supernet": before,
        "accuracy_finetuned": after,
        "curve": curve,
        "weights_path": str(weights),
        "supernet_info": {k: v for k, v in info.items() if k != "history"},
    }
