"""``tinyml-studio``: the GUI with no arguments, headless commands otherwise.

Every command calls the same workflow function the GUI runs as a job. A :class:`StudioError` (bad file, bad
data, bad option) prints one line to stderr and exits with status 2; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from studio import __version__
from studio.core.errors import StudioError
from studio.core.units import human_bytes

EXIT_USER_ERROR = 2

#: Modules that each add one or more subcommands: ``add_commands(sub)`` gets the argparse subparsers object.
#: Why a list of modules: every feature package owns its command next to its code, and this file does not
#: grow a function per feature.
COMMAND_MODULES: tuple[str, ...] = (
    "studio.cli.cmd_apply",
    "studio.cli.cmd_prune",
    "studio.cli.cmd_quantize",
    "studio.cli.cmd_deploy",
    "studio.cli.cmd_nas",
)


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="model file (.onnx, .pt2, TorchScript .pt, state_dict .pt/.pth, .py) or 'demo'")
    p.add_argument("--arch", help="zoo architecture for a state_dict (see `tinyml-studio zoo`)")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32 (TorchScript, Python files)")


def model_spec(args: argparse.Namespace) -> Any:
    from studio.workflows.model_spec import parse_input_shape, resolve_model_spec

    try:
        shape = parse_input_shape(args.input_shape)
    except ValueError as exc:
        raise StudioError(str(exc)) from None
    return resolve_model_spec(args.model, arch=args.arch, input_shape=shape)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _human_count(n: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def cmd_info(args: argparse.Namespace) -> int:
    """Print the per-layer profile of a model (table, or JSON with --json); optionally write CSV/JSON files."""
    from studio.workflows.open_model import info_dict, open_and_profile

    opened = open_and_profile(model_spec(args))
    if args.csv:
        from studio.analysis.export import profile_to_csv

        profile_to_csv(opened.profile, Path(args.csv))
    if args.json_out:
        from studio.analysis.export import profile_to_json

        profile_to_json(opened.profile, Path(args.json_out))
    if args.json:
        print_json(info_dict(opened))
        return 0
    prof = opened.profile
    print(f"{opened.model.display_name}  ({opened.model.format}, {len(opened.model.graph.nodes)} nodes)")
    print(f"{'layer':<40} {'op':<20} {'output':<18} {'params':>10} {'MACs':>10}")
    for layer in prof.layers:
        shape = "x".join(str(d) for d in layer.output_shape) if layer.output_shape else "?"
        print(
            f"{layer.name[:40]:<40} {layer.op[:20]:<20} {shape[:18]:<18} "
            f"{_human_count(layer.params):>10} {_human_count(layer.macs):>10}"
        )
    t = prof.total
    print(
        f"total: {_human_count(t.params)} params, {_human_count(t.macs)} MACs, "
        f"{human_bytes(t.weight_bytes)} weights, peak activations {human_bytes(t.peak_activation_bytes)}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Accuracy and loss of a model on the validation split of a data set."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.workflows.evaluate import evaluate_job

    result = evaluate_job(ConsoleJobContext(quiet=args.json), model_spec(args), args.data)
    if args.json:
        print_json(result)
    else:
        print(
            f"accuracy {100 * result['accuracy']:.2f}%  loss {result['loss']:.4f}  "
            f"on {result['samples']} samples of {result['data']}"
        )
    return 0


def cmd_latency(args: argparse.Namespace) -> int:
    """Per-layer latency on this machine's CPU."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.workflows.latency import latency_job

    result = latency_job(ConsoleJobContext(quiet=args.json), model_spec(args), repeats=args.repeats)
    if args.json:
        print_json(
            {"layers_ms": {k: v for k, v in result.items() if k != "__total__"}, "total_ms": result.get("__total__")}
        )
    else:
        for name, ms in result.items():
            if name != "__total__":
                print(f"{name[:50]:<50} {ms:9.4f} ms")
        print(f"total (whole model, median): {result.get('__total__', float('nan')):.4f} ms")
    return 0


def cmd_zoo(args: argparse.Namespace) -> int:
    """List the built-in architectures."""
    from studio.zoo import registry

    entries = [registry.get(n) for n in registry.names()]
    if args.json:
        print_json(
            [{"name": e.name, "input_shape": list(e.input_shape), "description": e.description} for e in entries]
        )
    else:
        for e in entries:
            print(f"{e.name:<14} {'x'.join(map(str, e.input_shape)):<12} {e.description}")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    """Start the window (Qt is imported only here)."""
    from studio.app import run_gui

    return run_gui(
        target=args.target,
        screenshot=Path(args.screenshot) if args.screenshot else None,
        exit_after_show=args.exit_after_show,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; exposed for tests and shell-completion generators."""
    parser = argparse.ArgumentParser(
        prog="tinyml-studio", description="TinyML Studio: the window with no arguments, headless commands otherwise."
    )
    parser.add_argument("--version", action="version", version=f"tinyml-studio {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("gui", help="open the studio window")
    p.add_argument("target", nargs="?", help="model file, project (.tmlproj) or 'demo'")
    p.add_argument("--screenshot", metavar="PNG", help="render the main window to PNG and exit")
    p.add_argument("--exit-after-show", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("info", help="per-layer parameters, MACs, shapes and memory of a model")
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", help="also write the profile as CSV")
    p.add_argument("--json-out", metavar="FILE", help="also write the profile as a JSON file")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("evaluate", help="accuracy on a data set ('digits', an image folder or a .npz)")
    add_model_options(p)
    p.add_argument("--data", default="digits", help="'digits', an image folder or a .npz (default: digits)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("latency", help="measured per-layer latency on this CPU")
    add_model_options(p)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_latency)

    p = sub.add_parser("zoo", help="list the built-in architectures")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_zoo)

    import importlib

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(sub)
    from studio.core.plugins import add_plugin_cli_commands

    add_plugin_cli_commands(sub)  # plugins' subcommands (e.g. `quantum`); the CLI never imports a plugin
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tinyml-studio``; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui"])
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except StudioError as exc:
        print(f"tinyml-studio: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("tinyml-studio: interrupted", file=sys.stderr)
        return 130
