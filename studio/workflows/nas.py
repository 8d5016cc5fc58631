"""Architecture search as jobs: the GUI submits these functions as process jobs, the CLI calls them directly.

``nas_job`` trains (or reuses) the supernet and runs the constrained search, ``finetune_job`` turns a chosen
candidate into a standalone, fine-tuned model. Both record their run in the trial store (job history) with
its final state, so the history survives the window; both are pausable (``JobSpec(pausable=True)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from studio.core.runners.context import JobCancelled, JobPaused
from studio.optimize.nas.request import FinetuneRequest, NasRequest


@contextlib.contextmanager
def recorded_run(store: Any, run_id: int) -> Iterator[None]:
    """Mark ``run_id`` running, then paused, cancelled or failed if the block ends that way."""
    from studio.core.runners.outcome import describe_exception

    store.set_run_state(run_id, "running")
    try:
        yield
    except JobPaused:
        store.set_run_state(run_id, "paused")
        raise
    except JobCancelled:
        store.set_run_state(run_id, "cancelled")
        raise
    except BaseException as exc:
        store.set_run_state(run_id, "failed", error=describe_exception(exc)[0])
        raise


def nas_job(ctx: Any, request: NasRequest, resume: bool = False) -> dict[str, Any]:
    """Train or reuse the supernet, search under the limits; returns the trials and the Pareto front.

    Result: ``{"run_id", "supernet_path", "trials": [...], "pareto": [indices], "space": {...}}``; every
    trial meets ``request.constraints``. Raises :class:`StudioError` for bad data, space or limits.
    """
    from studio.optimize.nas.runner import ensure_supernet, prepare_data, request_space, run_search
    from studio.optimize.nas.search import pareto_front
    from studio.optimize.trial_store import TrialStore

    with TrialStore(request.store_path) as store:
        run_id = request.run_id or store.create_run("nas", f"Search on {request.data}", request.to_params())
        with recorded_run(store, run_id):
            space = request_space(request)
            ctx.log(f"loading {request.data} at {space.resolutions[-1]}x{space.resolutions[-1]}")
            train, val = prepare_data(request.data, space.resolutions[-1])
            supernet, path = ensure_supernet(ctx, request, space, train, store, run_id, resume)
            # Known from now on, so the candidates of a paused or failed run can still be fine-tuned or distilled into.
            store.set_run_state(run_id, "running", {"supernet": str(path), "space": space.to_dict()})
            trials = run_search(ctx, request, supernet, val, train, store, run_id)
            front = pareto_front(trials, lambda t: t.costs.macs)
            stored = {t["index"]: t for t in store.trials(run_id)}
            result = {
                "run_id": run_id,
                "supernet_path": str(path),
                "space": space.to_dict(),
                "trials": [stored.get(t.index, t.to_dict()) for t in trials],
                "pareto": [t.index for t in front],
            }
            best = max(trials, key=lambda t: t.accuracy)
            store.set_run_state(
                run_id,
                "succeeded",
                {
                    "trials": len(trials),
                    "best_accuracy": best.accuracy,
                    "best": best.arch.key(),
                    "supernet": str(path),
                    "space": space.to_dict(),
                },
            )
            return result


def resume_nas_request(run: Any, store_path: str, work_dir: str, ray_address: str | None = None) -> NasRequest:
    """The request that continues the stored search ``run`` (a :class:`~studio.optimize.trial_store.RunRecord`)
    with :func:`nas_job` ``(resume=True)``: its own settings, its history entry, and its own work folder when
    that still exists (its supernet checkpoints are there), else ``work_dir``.

    Raises :class:`StudioError` for a run that is not a search or whose settings cannot be rebuilt.
    """
    from pathlib import Path

    from studio.core.errors import StudioError

    if run.kind != "nas":
        raise StudioError(f"run #{run.id} is a {run.kind} run, not a search")
    recorded = run.params.get("work_dir")
    folder = recorded if recorded and Path(recorded).is_dir() else work_dir
    try:
        return NasRequest.from_params(
            run.params, run_id=run.id, store_path=str(store_path), work_dir=str(folder), ray_address=ray_address
        )
    except (TypeError, ValueError) as exc:
        raise StudioError(f"run #{run.id}: its settings cannot be read back ({exc})") from None


def _loaded(module: Any, input_shape: tuple[int, ...], name: str) -> Any:
    """The module as a LoadedModel, traced here in the worker so the window only has to show it."""
    from studio.workflows.model_handle import loaded_from_module

    return loaded_from_module(module, input_shape, name=name)


def finetune_job(ctx: Any, request: FinetuneRequest) -> dict[str, Any]:
    """Extract and fine-tune one candidate; see :func:`studio.optimize.nas.runner.finetune_subnet`.

    The fine-tuning curve is stored as ``finetune/val_accuracy`` of the run (created here if not given);
    with a store, the result also carries ``loaded`` (the traced LoadedModel the window makes current).
    """
    from studio.optimize.nas.runner import finetune_subnet
    from studio.optimize.trial_store import TrialStore

    store = TrialStore(request.store_path) if request.store_path else None
    try:
        run_id = request.run_id
        if store is not None and run_id is None:
            run_id = store.create_run("finetune", "Fine-tune searched subnet", {"arch": request.arch_json})
        if store is None or run_id is None:
            return finetune_subnet(ctx, request)
        with recorded_run(store, run_id):
            result = finetune_subnet(ctx, request)
            for step, acc in result["curve"]:
                store.add_point(run_id, "finetune/val_accuracy", step, acc)
            summary = {k: result[k] for k in ("arch_key", "accuracy_supernet", "accuracy_finetuned", "weights_path")}
            result["loaded"] = _loaded(result["module"], result["input_shape"], f"searched {result['arch_key']}")
            store.set_run_state(run_id, "succeeded", summary)
            result["run_id"] = run_id
            return result
    finally:
        if store is not None:
            store.close()
