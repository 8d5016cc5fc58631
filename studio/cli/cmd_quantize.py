"""``tinyml-studio quantize MODEL --data DATA (--bits B ... | --recipe RECIPE) --out OUT``: PTQ, k-means, QAT.

The same :func:`studio.workflows.quantize.quantize_loaded` the Quantize stage runs. ``--out`` chooses the
format by its suffix: ``.int8.npz`` (the studio's integer-only format, what deploy reads), ``.onnx`` (QDQ,
which onnxruntime runs in int8; the report then also holds the integer reference's agreement with it) or
``.pt2``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


def _layer_bits(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    result: dict[str, int] = {}
    for item in text.split(","):
        name, sep, bits = item.partition("=")
        if not sep or not bits.strip().isdigit():
            raise StudioError(f"--layer-bits wants NAME=BITS[,NAME=BITS...], got {item!r}")
        result[name.strip()] = int(bits)
    return result


def add_commands(sub: Any) -> None:
    """Register ``quantize``."""
    from studio.optimize.quantize.calibration import RANGE_METHODS

    p = sub.add_parser("quantize", help="quantize a model (linear PTQ, k-means, QAT) and write int8 / ONNX")
    p.add_argument("model", help="model file (state_dict, .pt2, .py) or 'demo'")
    p.add_argument("--arch", help="zoo architecture for a state_dict")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    p.add_argument("--data", default="digits", help="calibration/evaluation data: 'digits', a folder or a .npz")
    p.add_argument("--recipe", help="replay this recipe (TOML) instead of the options below")
    p.add_argument("--method", choices=("linear", "kmeans"), default="linear")
    p.add_argument("--bits", type=int, default=8, help="weight bits, 2..8 (default 8)")
    grain = p.add_mutually_exclusive_group()
    grain.add_argument(
        "--per-channel",
        dest="per_channel",
        action="store_true",
        default=True,
        help="one weight scale per output channel (the default)",
    )
    grain.add_argument("--per-tensor", dest="per_channel", action="store_false", help="one weight scale per layer")
    p.add_argument("--asymmetric", action="store_true", help="asymmetric weight grids (simulation only)")
    p.add_argument("--calibration", choices=sorted(RANGE_METHODS), default="minmax", help="activation ranges")
    p.add_argument("--percentile", type=float, default=99.99, help="for --calibration percentile")
    p.add_argument("--weight-range", choices=("minmax", "mse"), default="minmax", help="weight clipping")
    p.add_argument("--layer-bits", help="per-layer bits, e.g. conv1=8,fc=4 (32 keeps a layer float)")
    p.add_argument("--calibration-samples", type=int, default=256)
    p.add_argument("--fine-tune-epochs", type=int, default=3, help="k-means codebook fine-tuning epochs")
    p.add_argument("--qat-epochs", type=int, default=0, help="quantization-aware training after linear PTQ")
    p.add_argument(
        "--size-target",
        type=int,
        metavar="BYTES",
        help="mixed precision: scan bits per layer, then pick the bits that fit BYTES of weights",
    )
    p.add_argument("--out", help="write the result: .int8.npz, .onnx (QDQ int8), .tflite (int8) or .pt2")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.set_defaults(func=cmd_quantize)

    p = sub.add_parser("bitscan", help="per-layer bit-width sensitivity: accuracy with one layer quantized at a time")
    p.add_argument("model", help="model file (state_dict, .pt2, .py) or 'demo'")
    p.add_argument("--arch", help="zoo architecture for a state_dict")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    p.add_argument("--data", default="digits", help="evaluation data: 'digits', a folder or a .npz")
    p.add_argument("--bits", default="8,6,5,4,3,2", help="comma-separated bit widths (default 8,6,5,4,3,2)")
    p.add_argument("--method", choices=("linear", "kmeans"), default="linear")
    p.add_argument("--samples", type=int, default=512, help="validation images to score on")
    p.add_argument("--size-target", type=int, metavar="BYTES", help="also allocate bits for this weight size")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_bitscan)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    layer_bits = _layer_bits(args.layer_bits)
    if args.method == "kmeans":
        return {"method": "kmeans", "bits": args.bits, "layer_bits": layer_bits,
                "fine_tune_epochs": args.fine_tune_epochs}  # fmt: skip
    return {
        "method": "linear",
        "weight_bits": args.bits,
        "per_channel": args.per_channel,
        "symmetric": not args.asymmetric,
        "calibration": args.calibration,
        "percentile": args.percentile,
        "weight_method": args.weight_range,
        "layer_bits": layer_bits,
        "calibration_samples": args.calibration_samples,
    }


def _run_recipe(model: Any, args: argparse.Namespace, ctx: Any) -> tuple[Any, dict[str, Any]]:
    from studio.recipe.replay import replay_steps
    from studio.recipe.steps import describe_step
    from studio.recipe.toml_format import load_recipe
    from studio.workflows.evaluate import evaluate_loaded
    from studio.workflows.quantize import fp32_weight_bytes

    recipe = load_recipe(Path(args.recipe))
    if not recipe.steps:
        raise StudioError(f"{args.recipe} has no steps")
    after = replay_steps(model, recipe.steps, data=args.data, ctx=ctx)
    report = {
        "steps": [describe_step(s) for s in recipe.steps],
        "accuracy_before": evaluate_loaded(model, args.data)["accuracy"],
        "accuracy_after": evaluate_loaded(after, args.data)["accuracy"],
        "size_before": fp32_weight_bytes(model.module),
        "size_after": fp32_weight_bytes(after.module),
    }
    return after, report


def _write(after: Any, args: argparse.Namespace, report: dict[str, Any]) -> None:
    from studio.workflows.quantize import INT8_SUFFIX, export_quantized, int8_model_of, prepare_data

    out = Path(args.out)
    name = out.name.lower()
    if name.endswith((INT8_SUFFIX, ".onnx")):
        int8 = int8_model_of(after, args.data)
        report["int8_weight_bytes"] = int8.weight_bytes
        if name.endswith(".onnx"):
            from studio.int8.onnx_export import compare_with_onnxruntime

            report["onnxruntime_vs_reference"] = compare_with_onnxruntime(
                int8, prepare_data(args.data, after.input_shape).val.x
            )
    report["out"] = str(export_quantized(after, out, args.data))


def cmd_quantize(args: argparse.Namespace) -> int:
    """Quantize, print the report (accuracy and weight bytes before and after), write ``--out``."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.quantize import check_output_path, quantize_loaded

    check_output_path(args.out)
    ctx = ConsoleJobContext(quiet=args.json)
    model = ModelHandle(model_spec(args)).load()
    allocation = None
    if args.recipe:
        after, report = _run_recipe(model, args, ctx)
    else:
        params = _params(args)
        if args.size_target:
            from studio.workflows.quantize_scan import allocate_for_target, bit_scan_loaded

            scan = bit_scan_loaded(model, args.data, {"method": args.method}, ctx)
            allocation = allocate_for_target(scan, args.size_target)
            params["layer_bits"] = {**allocation["layer_bits"], **params["layer_bits"]}
        result = quantize_loaded(model, args.data, params, ctx)
        after, report = result.model, result.report
        if args.qat_epochs > 0:
            if args.method != "linear":
                raise StudioError("--qat-epochs applies to --method linear")
            tuned = quantize_loaded(after, args.data, {"method": "qat", "epochs": args.qat_epochs}, ctx)
            report["accuracy_after_ptq"] = report["accuracy_after"]
            report["accuracy_after"] = tuned.report["accuracy_after"]
            report["description"] += f"; {tuned.report['description']}"
            after = tuned.model
    if allocation is not None:
        report["allocation"] = allocation
    if args.out:
        _write(after, args, report)
    if args.json:
        print_json(report)
        return 0
    print(report.get("description") or "; ".join(report.get("steps", [])))
    print(f"accuracy {100 * report['accuracy_before']:.2f}% -> {100 * report['accuracy_after']:.2f}%")
    print(f"weights {report['size_before']:,} -> {report['size_after']:,} bytes "
          f"({report['size_before'] / max(report['size_after'], 1):.1f}x smaller)")  # fmt: skip
    agreement = report.get("onnxruntime_vs_reference")
    if agreement:
        print(f"onnxruntime vs integer reference: max difference {agreement['max_code_difference']} code(s)")
    if "out" in report:
        print(f"wrote {report['out']}")
    return 0


def cmd_bitscan(args: argparse.Namespace) -> int:
    """Print each layer's accuracy at each bit width (and, with ``--size-target``, the allocated bits)."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.quantize_scan import allocate_for_target, bit_scan_loaded

    try:
        bits = [int(b) for b in args.bits.split(",") if b.strip()]
    except ValueError:
        raise StudioError(f"--bits wants comma-separated integers, got {args.bits!r}") from None
    model = ModelHandle(model_spec(args)).load()
    params = {"bits": bits, "method": args.method, "samples": args.samples}
    scan = bit_scan_loaded(model, args.data, params, ConsoleJobContext(quiet=args.json))
    if args.size_target:
        scan["allocation"] = allocate_for_target(scan, args.size_target)
    if args.json:
        print_json(scan)
        return 0
    widths = scan["curves"][0]["bits"] if scan["curves"] else []
    print(f"float accuracy {100 * scan['baseline']:.2f}% on {scan['samples']} images ({args.method})")
    print(f"{'layer':<32} {'weights':>9} " + " ".join(f"{b:>3}b acc" for b in widths))
    for c in scan["curves"]:
        print(f"{c['layer'][:32]:<32} {c['params']:>9} " + " ".join(f"{100 * a:>7.2f}%" for a in c["accuracy"]))
    if "allocation" in scan:
        a = scan["allocation"]
        bits_text = ", ".join(f"{k}={v}" for k, v in a["layer_bits"].items())
        print(f"for {a['target_bytes']:,} bytes: {bits_text} ({a['size_bytes']:,} bytes, predicted "
              f"{100 * a['predicted_accuracy']:.2f}%{'' if a['fits'] else ', does NOT fit'})")  # fmt: skip
    return 0
