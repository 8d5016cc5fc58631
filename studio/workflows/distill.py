"""Distillation as a job: the student with and without the teacher over several seeds, with live curves.

The GUI submits :func:`distill_job` as a pausable process job, the CLI (``tinyml-studio distill``) calls it
directly. Every epoch's validation accuracy goes to the trial store as ``kd/seed0/val_accuracy`` or
``baseline/seed0/val_accuracy``; a finished run adds ``.../final``, so a resumed or restarted job skips the
runs that are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.optimize.distill.config import DistillConfig
from studio.workflows.nas import recorded_run


@dataclass(frozen=True)
class DistillRequest:
    """Teacher (a ModelSpec or ModelHandle), student spec (see :mod:`studio.optimize.distill.students`),
    data set, settings, seeds, and where weights, curves and history go.

    ``train_samples`` limits the labelled images the students train on (a seeded subset of the training
    split; None: all of it): the situation where a teacher trained on more data helps most.
    """

    teacher: Any
    student: str
    data: str = "digits"
    config: DistillConfig = field(default_factory=DistillConfig)
    seeds: tuple[int, ...] = (0, 1, 2)
    out_dir: str = ""
    store_path: str = ""
    run_id: int | None = None
    ray_address: str | None = None
    train_samples: int | None = None


def teacher_identity(teacher: Any) -> dict[str, Any]:
    """What the history keeps about a teacher (a ModelSpec or ModelHandle): its file, reader options and the
    recipe steps that derived it (JSON-able), so a resumed run can check it still has the same teacher."""
    import json

    from studio.workflows.model_handle import as_handle

    handle = as_handle(teacher)
    data = {"path": str(handle.spec.path), "options": dict(handle.spec.options), "steps": list(handle.steps)}
    return json.loads(json.dumps(data, default=str, sort_keys=True))


def distill_params(request: DistillRequest) -> dict[str, Any]:
    """The history entry's parameters of ``request``: everything :func:`resume_distill_request` needs."""
    return {
        "student": request.student,
        "data": request.data,
        "seeds": list(request.seeds),
        "train_samples": request.train_samples,
        "config": request.config.to_dict(),
        "out_dir": request.out_dir,
        "teacher": teacher_identity(request.teacher),
    }


def resume_distill_request(run: Any, teacher: Any, store_path: str, ray_address: str | None = None) -> DistillRequest:
    """The request that continues the stored distillation ``run`` with :func:`distill_job` ``(resume=True)``
    (finished seeds are kept). ``teacher`` must be the model the run was started with.

    Raises :class:`StudioError` for another kind of run, a run recorded without its settings, or a teacher
    that is not the run's.
    """
    from studio.core.errors import StudioError

    p = run.params
    if run.kind != "distill":
        raise StudioError(f"run #{run.id} is a {run.kind} run, not a distillation")
    if not p.get("teacher") or not p.get("config") or not p.get("out_dir"):
        raise StudioError(f"run #{run.id} was recorded without its settings; start it again from the form")
    if p["teacher"] != teacher_identity(teacher):
        name = p["teacher"].get("path", "?")
        raise StudioError(f"run #{run.id} was distilled from another teacher ({name}); open that model to resume it")
    return DistillRequest(
        teacher=teacher,
        student=str(p["student"]),
        data=str(p.get("data") or "digits"),
        config=DistillConfig.from_dict(p["config"]),
        seeds=tuple(int(s) for s in p.get("seeds") or (0,)),
        out_dir=str(p["out_dir"]),
        store_path=str(store_path),
        run_id=run.id,
        ray_address=ray_address,
        train_samples=p.get("train_samples"),
    )


def distilled_student_job(ctx: Any, step: dict[str, Any]) -> dict[str, Any]:
    """Rebuild a finished run's distilled student from its recipe step (``distill``: architecture + weights
    file), as the window's "Use distilled student" does for a run reopened from the history.

    Returns ``{"loaded": LoadedModel, "step": step}``; raises :class:`StudioError` when the weights are gone.
    """
    from studio.recipe.steps import StepEnv, step_kind

    ctx.progress(0, 1, "loading the distilled student")
    loaded = step_kind("distill").apply(None, {k: v for k, v in step.items() if k != "kind"}, StepEnv())  # type: ignore[arg-type]
    ctx.progress(1, 1, "loaded")
    return {"loaded": loaded, "step": step}


def _teacher_accuracy(logits_fn: Any, teacher: Any, val: Any) -> float:
    import numpy as np

    logits, _ = logits_fn(teacher, val, False)
    return float(np.mean(logits.argmax(1) == val.y))


def distill_job(ctx: Any, request: DistillRequest, resume: bool = False) -> dict[str, Any]:
    """Train the student with and without distillation for every seed; returns both summaries.

    Result: ``{"run_id", "student", "teacher_accuracy", "kd": {mean, sd, per_seed}, "baseline": {...},
    "gain", "curves": {series: [(epoch, acc)]}, "best_seed", "module", "input_shape", "weights_path"}``, the
    module being the distilled student of the best seed. Raises :class:`StudioError` for bad inputs.
    """
    import torch

    from studio.data.datasets import load_dataset
    from studio.optimize.distill.compare import MODES, run_all, student_data, summarize, teacher_outputs
    from studio.optimize.distill.students import build_student
    from studio.optimize.distill.trainer import RunResult
    from studio.optimize.nas.runner import SPLIT_SEED, VAL_FRACTION
    from studio.optimize.trial_store import TrialStore
    from studio.workflows.model_handle import as_handle

    out = Path(request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with TrialStore(request.store_path) as store:
        params = distill_params(request)
        run_id = request.run_id or store.create_run("distill", f"Distil into {request.student[:40]}", params)
        with recorded_run(store, run_id):
            ctx.log(f"loading the teacher and {request.data}")
            teacher = as_handle(request.teacher).load()
            dataset = load_dataset(request.data)
            train, val = dataset.split(VAL_FRACTION, seed=SPLIT_SEED)
            if request.train_samples:
                train = train.subset(request.train_samples, seed=SPLIT_SEED)
            teacher_acc = _teacher_accuracy(teacher_outputs, teacher, val)
            want_features = request.config.feature is not None and request.config.feature.weight > 0
            logits, features = teacher_outputs(teacher, train, want_features)
            _module, shape, name = build_student(request.student, train.input_shape[0], train.num_classes)
            data = student_data(shape, train, val, logits, features)
            ctx.log(f"teacher accuracy {100 * teacher_acc:.2f}%; student {name}, input {shape}")

            curves = store.curves(run_id)
            done: list[RunResult] = []
            payloads = []
            for seed in request.seeds:
                for mode in MODES:
                    final = curves.get(f"{mode}/seed{seed}/final")
                    weights = out / f"{mode}-seed{seed}.pt"
                    if resume and final and weights.exists():
                        curve = curves.get(f"{mode}/seed{seed}/val_accuracy", [])
                        state = torch.load(weights, weights_only=True)
                        done.append(RunResult(mode, seed, curve, final[0][1], state))
                        continue
                    payloads.append(
                        {
                            "mode": mode,
                            "seed": seed,
                            "student": request.student,
                            "num_classes": train.num_classes,
                            "config": request.config.to_dict(),
                            "data": data,
                        }
                    )
            total_epochs = len(request.seeds) * len(MODES) * request.config.epochs
            progress = {"epochs": len(done) * request.config.epochs}

            def on_epoch(payload: dict[str, Any], epoch: int, acc: float) -> None:
                store.add_point(run_id, f"{payload['mode']}/seed{payload['seed']}/val_accuracy", epoch, acc)
                progress["epochs"] += 1
                ctx.progress(
                    progress["epochs"],
                    total_epochs,
                    f"{payload['mode']} seed {payload['seed']}: epoch {epoch}, {100 * acc:.1f}%",
                )
                ctx.check_cancelled()

            def on_result(result: RunResult) -> None:
                if request.ray_address:  # remote runs report their curve only at the end
                    for epoch, acc in result.curve:
                        store.add_point(run_id, f"{result.mode}/seed{result.seed}/val_accuracy", epoch, acc)
                    progress["epochs"] += len(result.curve)
                    ctx.progress(progress["epochs"], total_epochs, f"{result.mode} seed {result.seed} done")
                torch.save(result.state_dict, out / f"{result.mode}-seed{result.seed}.pt")
                store.add_point(run_id, f"{result.mode}/seed{result.seed}/final", 0, result.accuracy)

            done += run_all(payloads, ctx, request.ray_address, on_result, on_epoch)
            summary = summarize(done)
            kd_runs = [r for r in done if r.mode == "kd"]
            best = max(kd_runs, key=lambda r: (r.accuracy, -r.seed))
            torch.manual_seed(best.seed)
            module, _shape, _name = build_student(request.student, train.input_shape[0], train.num_classes)
            module.load_state_dict(best.state_dict)
            result = {
                "run_id": run_id,
                "student": name,
                "student_spec": request.student,
                "teacher_accuracy": teacher_acc,
                **summary,
                "curves": {k: v for k, v in store.curves(run_id).items() if k.endswith("val_accuracy")},
                "best_seed": best.seed,
                "module": module.eval(),
                "input_shape": shape,
                "weights_path": str(out / f"kd-seed{best.seed}.pt"),
                "student_params": int(sum(p.numel() for p in module.parameters())),
                "in_channels": train.input_shape[0],
                "num_classes": train.num_classes,
            }
            store.set_run_state(run_id, "succeeded", {k: v for k, v in result.items() if k not in ("module", "curves")})
            from studio.workflows.nas import _loaded

            result["loaded"] = _loaded(result["module"], shape, f"distilled {name}")
            return result
