"""``tinyml-studio apply RECIPE``: replay a recipe's steps on a model and save the result."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


def add_commands(sub: Any) -> None:
    """Register ``apply``."""
    p = sub.add_parser("apply", help="replay a recipe (TOML) of pruning, quantization ... steps on a model")
    p.add_argument("recipe", help="recipe file (.toml), as saved by the studio")
    p.add_argument("--model", help="model to start from (default: the recipe's 'model', or 'demo')")
    p.add_argument("--arch", help="zoo architecture for a state_dict")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    p.add_argument("--data", help="data set for steps that need one (default: the recipe's 'data')")
    p.add_argument("--out", help="write the resulting model (.onnx or .pt2)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_apply)


def cmd_apply(args: argparse.Namespace) -> int:
    """Replay and report parameters and MACs before and after (and accuracy when data is given)."""
    from studio.analysis.profile import profile_graph
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.recipe.replay import replay_steps
    from studio.recipe.steps import describe_step
    from studio.recipe.toml_format import load_recipe
    from studio.workflows.evaluate import evaluate_loaded
    from studio.workflows.model_handle import ModelHandle

    recipe = load_recipe(Path(args.recipe))
    if not recipe.steps:
        raise StudioError(f"{args.recipe} has no steps")
    args.model = args.model or recipe.model or "demo"
    data = args.data or recipe.data
    ctx = ConsoleJobContext(quiet=args.json)
    before = ModelHandle(model_spec(args)).load()
    before_total = profile_graph(before.graph).total
    after = replay_steps(before, recipe.steps, data=data, ctx=ctx)
    after_total = profile_graph(after.graph).total
    summary: dict[str, Any] = {
        "steps": [describe_step(step) for step in recipe.steps],
        "params_before": before_total.params,
        "params_after": after_total.params,
        "macs_before": before_total.macs,
        "macs_after": after_total.macs,
    }
    if data:
        summary["accuracy_before"] = evaluate_loaded(before, data)["accuracy"]
        summary["accuracy_after"] = evaluate_loaded(after, data)["accuracy"]
    if args.out:
        from studio.workflows.save_model import save_model

        summary["out"] = str(save_model(after, Path(args.out)))
    if args.json:
        print_json(summary)
        return 0
    for line in summary["steps"]:
        print(f"  {line}")
    print(f"params {before_total.params} -> {after_total.params}, MACs {before_total.macs} -> {after_total.macs}")
    if "accuracy_after" in summary:
        print(f"accuracy {100 * summary['accuracy_before']:.2f}% -> {100 * summary['accuracy_after']:.2f}%")
    if args.out:
        print(f"wrote {summary['out']}")
    return 0
