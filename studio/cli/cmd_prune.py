"""``tinyml-studio sensitivity`` and ``tinyml-studio prune``: the Prune stage's core calls from a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


def _levels(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"levels are numbers like 0,0.25,0.5, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one level")
    return values


def add_commands(sub: Any) -> None:
    """Register ``sensitivity`` and ``prune``."""
    from studio.cli.main import add_model_options

    p = sub.add_parser("sensitivity", help="per-layer accuracy and loss against sparsity (a sensitivity scan)")
    add_model_options(p)
    p.add_argument("--data", required=True, help="'digits', an image folder or a .npz")
    p.add_argument("--levels", type=_levels, help="sparsity levels, e.g. 0,0.25,0.5,0.75 (default 0 .. 0.9)")
    p.add_argument("--perturbation", default="sparsity", help="sparsity (default), channels, or a plugin's")
    p.add_argument("--samples", type=int, default=1000, help="validation samples to score on (default 1000)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("prune", help="prune a model (magnitude, channel or N:M), optionally fine-tune, save it")
    add_model_options(p)
    p.add_argument("--data", required=True, help="'digits', an image folder or a .npz")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--sparsity", type=float, help="fraction of weights (magnitude) or channels (channel)")
    how.add_argument("--recipe", help="a recipe (TOML) whose prune/finetune steps to apply")
    p.add_argument("--method", default="magnitude", help="magnitude (default), channel, or N:M such as 2:4")
    p.add_argument("--allocate", action="store_true", help="per-layer sparsities from a sensitivity scan")
    p.add_argument("--finetune-epochs", type=int, default=0, help="fine-tune afterwards, sparsity held")
    p.add_argument("--latency", action="store_true", help="also measure latency before and after")
    p.add_argument("--out", required=True, help="write the pruned model (.onnx or .pt2)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_prune)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Scan and print one curve per layer."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.workflows.sensitivity import sensitivity_job

    result = sensitivity_job(
        ConsoleJobContext(quiet=args.json),
        model_spec(args),
        args.data,
        levels=args.levels,
        perturbation=args.perturbation,
        max_samples=args.samples,
    )
    if args.json:
        print_json(result)
        return 0
    levels = result["layers"][0]["levels"]
    print(f"{'layer':<32}" + "".join(f"{lv:>7.2f}" for lv in levels))
    for layer in result["layers"]:
        print(f"{layer['name'][:32]:<32}" + "".join(f"{100 * a:>7.1f}" for a in layer["accuracy"]))
    for skipped in result["skipped"]:
        print(f"skipped {skipped['name']}: {skipped['reason']}")
    print(f"accuracy (%) on {result['samples']} samples, {result['method']} scan in {result['seconds']:.2f} s")
    return 0


def _steps(args: argparse.Namespace, model: Any, ctx: Any) -> list[dict[str, Any]]:
    from studio.optimize.prune.config import config_from_method, to_params

    if args.recipe:
        from studio.recipe.toml_format import load_recipe

        steps = load_recipe(Path(args.recipe)).steps
        if not steps:
            raise StudioError(f"{args.recipe} has no steps")
        return steps
    config = config_from_method(args.method, args.sparsity)
    params = to_params(config)
    if args.allocate:
        from studio.workflows.allocate import allocate_loaded

        params = allocate_loaded(model, args.data, config.method, "sparsity", args.sparsity, ctx=ctx)["params"]
    steps = [{"kind": "prune", **params}]
    if args.finetune_epochs:
        steps.append({"kind": "finetune", "epochs": args.finetune_epochs})
    return steps


def cmd_prune(args: argparse.Namespace) -> int:
    """Prune (and fine-tune), save, and report accuracy, sparsity, params and MACs before and after."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.recipe.replay import replay_steps
    from studio.recipe.steps import describe_step
    from studio.workflows.evaluate import evaluate_loaded
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.prune import compare_loaded, kernel_sparsity, model_summary
    from studio.workflows.save_model import save_model

    out = Path(args.out)
    if out.suffix.lower() not in (".onnx", ".pt2"):
        raise StudioError(f"--out must end in .onnx or .pt2, got {out.name}")
    ctx = ConsoleJobContext(quiet=args.json)
    before = ModelHandle(model_spec(args)).load()
    steps = _steps(args, before, ctx)
    after = replay_steps(before, steps, data=args.data, ctx=ctx)
    b, a = model_summary(before), model_summary(after)
    summary: dict[str, Any] = {
        "steps": [describe_step(s) for s in steps],
        "recipe_steps": steps,
        "accuracy_before": evaluate_loaded(before, args.data)["accuracy"],
        "accuracy_after": evaluate_loaded(after, args.data)["accuracy"],
        "sparsity": kernel_sparsity(before, after),
        "params_before": b["params"],
        "params_after": a["params"],
        "macs_before": b["macs"],
        "macs_after": a["macs"],
        "sparse_macs_after": a["sparse_macs"],
        "size_bytes_before": b["size_bytes"],
        "size_bytes_after": a["size_bytes"],
    }
    if args.latency:
        table = compare_loaded(before, after, None, ctx)
        for key in ("latency_ms_batch1", "latency_ms_batch32"):
            summary[f"{key}_before"] = table["before"][key]
            summary[f"{key}_after"] = table["after"][key]
    summary["out"] = str(save_model(after, out))
    if args.json:
        print_json(summary)
        return 0
    for line in summary["steps"]:
        print(f"  {line}")
    print(f"accuracy {100 * summary['accuracy_before']:.2f}% -> {100 * summary['accuracy_after']:.2f}%")
    print(f"sparsity {100 * summary['sparsity']:.1f}%  params {b['params']:,} -> {a['params']:,}")
    print(f"MACs {b['macs']:,} -> {a['macs']:,} (zero weights skipped: {a['sparse_macs']:,})")
    print(f"wrote {summary['out']}")
    return 0
