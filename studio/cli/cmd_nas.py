"""``tinyml-studio nas`` and ``tinyml-studio distill``: the search and distillation jobs from a terminal.

Both call the job functions the GUI submits (:mod:`studio.workflows.nas`, :mod:`studio.workflows.distill`),
keep their trials and curves in ``OUT/trials.sqlite`` (the GUI can open it) and write their models to OUT.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


def add_commands(sub: Any) -> None:
    """Register ``nas`` and ``distill``."""
    p = sub.add_parser("nas", help="search an architecture under MCU limits (once-for-all supernet + evolution)")
    p.add_argument("--data", default="digits", help="'digits', an image folder or a .npz (default: digits)")
    p.add_argument("--space", metavar="SPACE.toml", help="search space (default: the built-in one)")
    p.add_argument("--max-sram", type=float, metavar="KB", help="peak SRAM limit in KB (1024 bytes)")
    p.add_argument("--max-macs", type=float, metavar="MILLIONS", help="MAC limit in millions")
    p.add_argument("--max-params", type=float, metavar="THOUSANDS", help="parameter limit in thousands")
    p.add_argument("--max-flash", type=float, metavar="KB", help="flash limit in KB (the int8 model's constants)")
    p.add_argument(
        "--board",
        metavar="ID",
        help="fill --max-sram and --max-flash (unless given) with what deploy's fit check leaves the model on "
        "this board (ids: tinyml-studio boards)",
    )
    p.add_argument("--max-latency", type=float, metavar="MS", help="latency limit on this CPU (measured table)")
    p.add_argument("--trials", type=int, default=20, help="candidates to evaluate (default: 20)")
    p.add_argument("--strategy", default="evolution", help="evolution (default) or random")
    p.add_argument("--population", type=int, default=8, help="candidates per generation / batch (default: 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--supernet-epochs", default="4,1,1,2", metavar="F,K,D,E", help="epochs per shrinking phase")
    p.add_argument("--finetune-epochs", type=int, default=5, help="fine-tune the best candidate (0: skip)")
    p.add_argument("--ray", metavar="ADDR", help="run trials on a Ray cluster ('local' starts one here)")
    p.add_argument("--ray-train-workers", type=int, default=0, help="also train the supernet with Ray Train")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (models, trials.sqlite)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_nas)

    p = sub.add_parser("distill", help="distil a teacher into a student; accuracy with and without distillation")
    p.add_argument("--teacher", required=True, help="teacher model file or 'demo'")
    p.add_argument("--teacher-arch", help="zoo architecture of a state_dict teacher")
    p.add_argument("--student", required=True, help="zoo name[:key=value,...] or a searched NAME.arch.json")
    p.add_argument("--data", default="digits")
    p.add_argument("--epochs", type=int, default=30, help="epochs per run (the GUI's default too)")
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.9, help="weight of the soft-target loss (0..1)")
    p.add_argument("--feature-weight", type=float, default=0.0, help="weight of the feature hint (0: off)")
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--seeds", type=int, default=3, help="runs per mode (mean and sd over seeds)")
    p.add_argument("--train-samples", type=int, help="train the students on this many labelled images only")
    p.add_argument("--ray", metavar="ADDR", help="run the runs as Ray tasks ('local' starts Ray here)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_distill)


def _epochs(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise StudioError(f"--supernet-epochs must be four whole numbers like 4,1,1,2, got {text!r}") from None
    if len(values) != 4 or min(values) < 0:
        raise StudioError(f"--supernet-epochs must be four non-negative numbers like 4,1,1,2, got {text!r}")
    return values


def _safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key)


def cmd_nas(args: argparse.Namespace) -> int:
    """Search, write every candidate's .arch.json, fine-tune and save the best; print the candidates."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import print_json
    from studio.optimize.nas.constraints import Constraints
    from studio.optimize.nas.progressive import SupernetTrainingConfig
    from studio.optimize.nas.request import FinetuneRequest, NasRequest
    from studio.optimize.nas.space import load_space
    from studio.workflows.nas import finetune_job, nas_job

    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    space_toml = None
    if args.space:
        load_space(args.space)  # a bad file fails here with its one-line reason
        space_toml = Path(args.space).expanduser().read_text(encoding="utf-8")
    max_sram, max_flash = args.max_sram, args.max_flash
    if args.board:
        from studio.optimize.nas.boards import search_board

        board = search_board(args.board)
        max_sram = board.sram_budget_bytes / 1024 if max_sram is None else max_sram
        max_flash = board.flash_budget_bytes / 1024 if max_flash is None else max_flash
    constraints = Constraints.from_user_units(
        max_sram_kb=max_sram,
        max_macs_millions=args.max_macs,
        max_params_k=args.max_params,
        max_flash_kb=max_flash,
        max_latency_ms=args.max_latency,
    )
    request = NasRequest(
        data=args.data,
        space_toml=space_toml,
        supernet=SupernetTrainingConfig(epochs=_epochs(args.supernet_epochs)),
        strategy=args.strategy,
        trials=args.trials,
        population=args.population,
        seed=args.seed,
        constraints=constraints,
        measure_latency=args.max_latency is not None,
        ray_address=args.ray,
        ray_train_workers=args.ray_train_workers,
        work_dir=str(out / "work"),
        store_path=str(out / "trials.sqlite"),
    )
    ctx = ConsoleJobContext(quiet=args.json)
    try:
        result = nas_job(ctx, request)
        summary = _nas_summary(result, constraints, out)
        if args.finetune_epochs > 0 and summary["candidates"]:
            best = summary["candidates"][0]
            tuned = finetune_job(
                ctx,
                FinetuneRequest(
                    result["supernet_path"],
                    json.dumps(best["arch"]),
                    args.data,
                    epochs=args.finetune_epochs,
                    seed=args.seed,
                    out_dir=str(out / "models"),
                    store_path=request.store_path,
                ),
            )
            summary["best"] = _save_best(tuned, out)
    finally:
        if args.ray:
            _disconnect_ray()
    (out / "nas.json").write_text(json.dumps(summary, indent=2))
    if args.json:
        print_json(summary)
        return 0
    print(f"{len(summary['candidates'])} candidates within the limits (best first):")
    for c in summary["candidates"][:10]:
        print(
            f"  {100 * c['accuracy']:5.1f}%  {c['macs'] / 1e6:6.2f} MMACs  {c['params'] / 1e3:6.1f}k params  "
            f"{c['peak_sram_bytes'] / 1024:6.1f} KB SRAM  {'*' if c['pareto'] else ' '} {c['key']}"
        )
    if "best" in summary:
        b = summary["best"]
        print(f"best fine-tuned: {100 * b['accuracy_finetuned']:.2f}% -> {b['model']}")
    return 0


def _nas_summary(result: dict[str, Any], constraints: Any, out: Path) -> dict[str, Any]:
    from studio.optimize.nas.boards import search_boards

    boards = search_boards()
    pareto = set(result["pareto"])
    candidates = []
    arch_dir = out / "candidates"
    arch_dir.mkdir(exist_ok=True)
    for trial in sorted(result["trials"], key=lambda t: (-t["accuracy"], t["index"])):
        arch_file = arch_dir / f"{_safe_name(trial['key'])}.arch.json"
        arch_file.write_text(json.dumps({"space": result["space"], "arch": trial["arch"]}))
        candidates.append(
            {
                "accuracy": trial["accuracy"],
                "macs": trial["macs"],
                "params": trial["params"],
                "flash_bytes": trial["flash_bytes"],
                "peak_sram_bytes": trial["peak_sram_bytes"],
                "latency_ms": trial.get("latency_ms"),
                "board_latency_ms_est": trial.get("board_latency", {}),
                "fits_boards": [b.id for b in boards if b.fits(trial)],
                "key": trial["key"],
                "arch": trial["arch"],
                "pareto": trial["index"] in pareto,
                "trial": trial["index"],
                "arch_file": str(arch_file),
            }
        )
    return {
        "candidates": candidates,
        "limits": constraints.to_dict(),
        "supernet": result["supernet_path"],
        "store": str(out / "trials.sqlite"),
        "run_id": result["run_id"],
    }


def _save_best(tuned: dict[str, Any], out: Path) -> dict[str, Any]:
    from studio.workflows.model_handle import loaded_from_module
    from studio.workflows.save_model import save_model

    model = loaded_from_module(tuned["module"], tuned["input_shape"], name="searched")
    path = save_model(model, out / "best.onnx")
    return {
        "key": tuned["arch_key"],
        "accuracy_supernet": tuned["accuracy_supernet"],
        "accuracy_finetuned": tuned["accuracy_finetuned"],
        "weights": tuned["weights_path"],
        "model": str(path),
    }


def _disconnect_ray() -> None:
    try:
        import ray
    except ImportError:
        return
    if ray.is_initialized():
        ray.shutdown()


def cmd_distill(args: argparse.Namespace) -> int:
    """Distil and print the student's accuracy with and without distillation (mean and sd over seeds)."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import print_json
    from studio.optimize.distill.config import DistillConfig, FeatureHintConfig, SoftTargetConfig
    from studio.workflows.distill import DistillRequest, distill_job
    from studio.workflows.model_spec import resolve_model_spec

    if args.seeds < 1:
        raise StudioError("--seeds must be at least 1")
    out = Path(args.out).expanduser()
    config = DistillConfig(
        soft=SoftTargetConfig(args.temperature, args.alpha) if args.alpha > 0 else None,
        feature=FeatureHintConfig(args.feature_weight) if args.feature_weight > 0 else None,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
    )
    request = DistillRequest(
        teacher=resolve_model_spec(args.teacher, arch=args.teacher_arch),
        student=args.student,
        data=args.data,
        config=config,
        seeds=tuple(range(args.seeds)),
        out_dir=str(out / "runs"),
        store_path=str(out / "trials.sqlite"),
        ray_address=args.ray,
        train_samples=args.train_samples,
    )
    try:
        result = distill_job(ConsoleJobContext(quiet=args.json), request)
    finally:
        if args.ray:
            _disconnect_ray()
    from studio.workflows.model_handle import loaded_from_module
    from studio.workflows.save_model import save_model

    model_path = save_model(
        loaded_from_module(result["module"], result["input_shape"], name="student"), out / "student.onnx"
    )
    summary = {
        "student": result["student"],
        "student_params": result["student_params"],
        "teacher_accuracy": result["teacher_accuracy"],
        "with_distillation": result["kd"],
        "without_distillation": result["baseline"],
        "gain": result.get("gain"),
        "seeds": list(request.seeds),
        "train_samples": request.train_samples,
        "model": str(model_path),
        "store": request.store_path,
    }
    (out / "distill.json").write_text(json.dumps(summary, indent=2))
    if args.json:
        print_json(summary)
        return 0
    kd, base = result["kd"], result["baseline"]
    print(f"teacher {100 * result['teacher_accuracy']:.2f}%  student {result['student']}")
    print(f"with distillation:    {100 * kd['mean']:.2f}% ± {100 * kd['sd']:.2f}  ({len(kd['per_seed'])} seeds)")
    print(f"without distillation: {100 * base['mean']:.2f}% ± {100 * base['sd']:.2f}")
    print(f"student with distillation -> {model_path}")
    return 0
