"""``tinyml-studio deploy MODEL --board B`` and ``tinyml-studio boards``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_commands(sub: Any) -> None:
    """Register ``deploy`` and ``boards``."""
    p = sub.add_parser("deploy", help="build the model for a board, flash it and validate it on the device")
    p.add_argument("model", help="model file, an .int8.npz, or 'demo' (a float model is quantized with defaults)")
    p.add_argument("--arch", help="zoo architecture for a state_dict")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    p.add_argument("--data", help="data set for calibration and validation: 'digits', an image folder or a .npz")
    p.add_argument("--board", required=True, help="board id (see `tinyml-studio boards`), e.g. qemu-m4")
    p.add_argument("--validate", type=int, default=20, metavar="N", help="validation samples (default 20)")
    p.add_argument("--port", help="serial port of a real board (default: detected by USB id)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the generated C and the firmware")
    p.add_argument(
        "--kernels",
        default="fast",
        help="kernel set: 'fast' (default; specialised per layer, SIMD on DSP cores) or 'generic' (the "
        "straightforward loops, for comparison)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("boards", help="list the boards the studio deploys to, and the connected devices")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_boards)


def cmd_deploy(args: argparse.Namespace) -> int:
    """Deploy and print board, sizes, validation results and timing."""
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import model_spec, print_json
    from studio.workflows.deploy import deploy_job
    from studio.workflows.model_spec import ModelSpec

    if args.model.endswith(".int8.npz"):
        spec: Any = ModelSpec(Path(args.model))
    else:
        spec = model_spec(args)
    ctx = ConsoleJobContext(quiet=args.json)
    result = deploy_job(ctx, spec, args.board, args.out, args.data, args.validate, args.port, args.kernels)
    if args.json:
        result = {k: v for k, v in result.items() if k != "memory"} | {"layers": result["memory"]["layers"]}
        print_json(result)
        return 0
    print(f"{result['board_name']}: flash {result['flash_bytes']} B, SRAM {result['peak_sram_bytes']} B "
          f"(arena {result['arena_bytes']} B, lower bound {result['sram_lower_bound_bytes']} B)")  # fmt: skip
    unit = "instructions" if result.get("instructions_per_inference") is not None else "cycles"
    for layer in result["memory"]["layers"]:
        timed = f"  {layer[unit]:>9} {unit}" if unit in layer else ""
        print(
            f"  {layer['name'][:28]:<28} {layer['kernel']:<28} flash {layer['flash_bytes']:>7} B  "
            f"SRAM live {layer['sram_live_bytes']:>7} B{timed}"
        )
    if result["samples"]:
        acc = result["accuracy"]
        timing = result.get(f"{unit}_per_inference")
        print(
            f"validated {result['samples']} samples: {result['mismatches']} mismatches with the integer reference"
            + (f", accuracy {100 * acc:.1f}%" if acc is not None else "")
            + f", {timing} {unit} per inference ({result['kernels']} kernels)"
        )
        if result.get("first_mismatch"):
            print(f"first mismatch: {result['first_mismatch']}")
    return 0


def cmd_boards(args: argparse.Namespace) -> int:
    """List boards (with toolchain status) and detected devices."""
    from studio.cli.main import print_json
    from studio.deploy.board_registry import boards
    from studio.deploy.detect import detect_devices
    from studio.deploy.toolchain import toolchain_status

    all_boards = boards()
    devices = detect_devices(all_boards)
    rows = []
    for b in all_boards:
        row = b.summary()
        row["toolchain_missing"] = toolchain_status(b)
        row["connected"] = [d.location for d in devices if d.board_id == b.id]
        rows.append(row)
    if args.json:
        print_json({"boards": rows, "devices": [d.as_dict() for d in devices]})
        return 0
    for row in rows:
        flags = (
            "emulated" if row["emulated"] else ("connected " + ", ".join(row["connected"]) if row["connected"] else "")
        )
        print(
            f"{row['id']:<15} {row['name']:<50} {row['flash_bytes'] // 1024:>6} KiB flash "
            f"{row['sram_bytes'] // 1024:>5} KiB SRAM  {flags}"
        )
        if row["toolchain_missing"]:
            print(f"{'':<15} ! {row['toolchain_missing']}")
    if not devices:
        print("no boards connected (USB serial ports by VID:PID, UF2 drives by INFO_UF2.TXT)")
    for d in devices:
        print(f"device: {d.kind} {d.location} {d.vid_pid} -> {d.board_id or 'unknown board'} ({d.description})")
    return 0
