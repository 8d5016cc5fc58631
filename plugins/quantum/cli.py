"""``tinyml-studio quantum ...``: run a QASM circuit (ideal, noisy, on Aer), list devices, train the QNN.

Registered by the plugin with ``registry.add_cli_commands``; the studio's CLI never imports this package.
Every command calls the function the panel runs as a job (:mod:`plugins.quantum.run`, :mod:`plugins.quantum.qnn`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


def add_commands(sub: Any) -> None:
    """Add ``quantum`` with its subcommands ``run``, ``train`` and ``devices``."""
    p = sub.add_parser("quantum", help="quantum circuits and quantum neural networks (the quantum plugin)")
    qsub = p.add_subparsers(dest="quantum_command", required=True)

    r = qsub.add_parser("run", help="outcome probabilities of an OpenQASM 3 or 2 circuit")
    r.add_argument("circuit", help="a .qasm file (OpenQASM 3 or 2)")
    r.add_argument("--noise", metavar="BACKEND", help="a fake IBM device (FakeManilaV2, manila ...) or field=value,...")
    r.add_argument("--shots", type=int, help="also sample this many shots")
    r.add_argument("--set", action="append", default=[], metavar="SYMBOL=VALUE", help="value of an input symbol")
    r.add_argument("--aer", action="store_true", help="also run on qiskit-aer and compare (within shot noise)")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=cmd_run)

    t = qsub.add_parser("train", help="train the 4-qubit QNN classifier on digits (2 or 4 classes)")
    t.add_argument("--classes", type=int, default=2, choices=(2, 4))
    t.add_argument("--noise", metavar="BACKEND", help="fake device whose noise to evaluate under (and inject)")
    t.add_argument(
        "--noise-aware", action="store_true", help="exact noise injection with shot noise, then normalization"
    )
    t.add_argument("--injection", action="store_true", help="noise injection only")
    t.add_argument(
        "--injection-method",
        choices=("exact", "pauli"),
        default="exact",
        help="inject sampled Pauli errors (QuantumNAT) or train through the exact noisy density matrix",
    )
    t.add_argument("--shot-noise", action="store_true", help="with injection: trained <Z> get the spread of shots")
    t.add_argument("--normalize", action="store_true", help="post-measurement normalization only")
    t.add_argument("--quantize", action="store_true", help="output quantization only")
    t.add_argument("--compare", action="store_true", help="train plainly and noise-aware; report both gaps")
    t.add_argument("--seeds", metavar="S,S,...", help="with --compare: repeat for these seeds, report mean and sd")
    t.add_argument("--noise-scale", type=float, default=1.0, help="make the device this many times noisier")
    t.add_argument("--noise-factor", type=float, default=1.0, help="injected noise relative to the device's")
    t.add_argument("--quant-levels", type=int, default=5, help="levels of the quantized normalized outputs")
    t.add_argument(
        "--calibration", type=int, default=128, help="digits measured under noise for the normalization statistics"
    )
    t.add_argument("--eval-shots", type=int, default=1024, help="shots per digit under noise in torch (0: exact)")
    t.add_argument("--epochs", type=int, default=15)
    t.add_argument("--blocks", type=int, default=2, help="trainable blocks (2 rotations per qubit + CX ring)")
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--aer-shots", type=int, default=1024, help="shots per sample on Aer (0: skip Aer)")
    t.add_argument("--max-train", type=int, help="use at most this many training digits (quick runs)")
    t.add_argument("--max-val", type=int, help="use at most this many validation digits (quick runs)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_train)

    d = qsub.add_parser("devices", help="the offline fake IBM devices")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_devices)


def _symbol_values(pairs: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            values[name.strip()] = float(value)
        except ValueError:
            raise StudioError(f"--set needs SYMBOL=NUMBER, got {pair!r}") from None
    return values


def read_circuit_file(path: Path) -> Any:
    """The circuit in a QASM file; raises StudioError (with the line) for unreadable files or QASM."""
    from plugins.quantum.qasm.reader import read_qasm

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudioError(f"cannot read {path}: {exc}") from None
    return read_qasm(text).circuit


def cmd_run(args: argparse.Namespace) -> int:
    from plugins.quantum.noise.sources import parse_noise_option
    from plugins.quantum.run import compare_with_aer, run_circuit, run_on_aer
    from studio.cli.main import print_json

    circuit = read_circuit_file(Path(args.circuit))
    values = _symbol_values(args.set)
    unknown = sorted(set(values) - set(circuit.symbols))
    if unknown:
        raise StudioError(f"the circuit has no symbol {unknown[0]!r}")
    missing = [s for s in circuit.symbols if s not in values]
    if missing:
        raise StudioError(f"give a value for symbol {missing[0]!r} with --set {missing[0]}=VALUE")
    circuit = circuit.with_values(values)
    if args.shots is not None and args.shots < 1:
        raise StudioError("--shots must be at least 1")
    noise = parse_noise_option(args.noise) if args.noise else None
    result = run_circuit(circuit, noise, shots=args.shots)
    out = result.as_json()
    if args.aer:
        counts = run_on_aer(circuit, noise, shots=args.shots or 4096)
        out["aer"] = {"counts": dict(sorted(counts.items())), **compare_with_aer(result.probabilities, counts)}
    if args.json:
        print_json(out)
        return 0
    print(f"{circuit.num_qubits} qubits, {len(circuit.operations)} operations; {result.method}; noise: {result.noise}")
    if result.transpile:
        t = result.transpile
        cost = f"{t['swaps']} SWAPs, {t['two_qubit_gates']} two-qubit gates, depth {t['depth']}"
        print(f"on {t['backend']}: qubits {t['device_qubits']}, {cost}")
    for key, p in sorted(result.probabilities.items(), key=lambda kv: -kv[1]):
        count = f"  {result.counts.get(key, 0):>7d} shots" if result.counts is not None else ""
        print(f"  {key}  {p:8.5f}  {'#' * round(40 * p)}{count}")
    if args.aer:
        a = out["aer"]
        verdict = "agrees" if a["agrees"] else "DISAGREES"
        print(f"Aer ({a['shots']} shots): {verdict} within shot noise (max {a['max_z']:.2f} standard errors)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from plugins.quantum.noise.backends import resolve_backend_name
    from plugins.quantum.qnn.compare import compare_job, compare_seeds_job
    from plugins.quantum.qnn.train import QnnTrainConfig, train_job
    from studio.cli.console_context import ConsoleJobContext
    from studio.cli.main import print_json

    backend = resolve_backend_name(args.noise) if args.noise else None
    aware = args.noise_aware
    config = QnnTrainConfig(
        num_classes=args.classes,
        blocks=args.blocks,
        epochs=args.epochs,
        learning_rate=args.lr,
        seed=args.seed,
        backend=backend,
        noise_injection=aware or args.injection,
        shot_noise=aware or args.shot_noise,
        normalize=aware or args.normalize,
        quantize=args.quantize,
        aer_shots=args.aer_shots,
        noise_scale=args.noise_scale,
        noise_factor=args.noise_factor,
        injection_method=args.injection_method,
        quant_levels=args.quant_levels,
        calibration_samples=args.calibration,
        eval_shots=args.eval_shots,
        max_train=args.max_train,
        max_val=args.max_val,
    )
    ctx = ConsoleJobContext(quiet=args.json)
    if args.seeds is not None:
        if not args.compare:
            raise StudioError("--seeds repeats a comparison: add --compare")
        result = compare_seeds_job(ctx, config, _seed_list(args.seeds))
        if args.json:
            runs = [{k: _brief(v) if k != "gap_under_noise" else v for k, v in r.items()} for r in result["runs"]]
            print_json({**result, "runs": runs})
        else:
            _print_summary(result)
        return 0
    if args.compare:
        result = compare_job(ctx, config)
        if args.json:
            print_json({k: _brief(v) if k != "gap_under_noise" else v for k, v in result.items()})
            return 0
        for key in ("plain", "noise_aware"):
            _print_accuracy(key.replace("_", "-"), result[key])
        gaps = result["gap_under_noise"]
        print(
            f"accuracy lost under noise (torch): plain {_pct(gaps['plain'])}, noise-aware {_pct(gaps['noise_aware'])}"
        )
        if gaps["plain_aer"] is not None:
            aware_aer = _pct(gaps["noise_aware_aer"])
            print(f"accuracy lost under noise (Aer):   plain {_pct(gaps['plain_aer'])}, noise-aware {aware_aer}")
        return 0
    result = train_job(ctx, config, "noise-aware" if config.noise_aware else "plain")
    if args.json:
        print_json(_brief(result))
    else:
        _print_accuracy(result["run"], result)
    return 0


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise StudioError(f"--seeds needs integers separated by commas, got {text!r}") from None
    if not seeds:
        raise StudioError("--seeds needs at least one seed")
    return seeds


def _print_summary(result: dict[str, Any]) -> None:
    summary = result["summary"]
    print(f"seeds {', '.join(map(str, result['seeds']))}: accuracy, mean ± sd over seeds")
    print(f"  {'run':<12} {'noise-free':>14} {'under noise':>14} {'on Aer':>14}")
    for run in ("plain", "noise_aware", "advantage"):
        cells = []
        for key in ("noise_free", "noisy_torch", "aer"):
            cell = summary[run].get(key)
            cells.append("n/a" if cell is None else f"{100 * cell['mean']:+.1f} ± {100 * cell['sd']:.1f}")
        label = "aware-plain" if run == "advantage" else run.replace("_", "-")
        print(f"  {label:<12} " + " ".join(f"{c.replace('+', '') if run != 'advantage' else c:>14}" for c in cells))


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("run", "accuracy", "config", "train_samples", "val_samples", "transpile", "elapsed_s", "history", "weights")
    keep += ("head",)
    return {k: result[k] for k in keep}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f} points"


def _print_accuracy(name: str, result: dict[str, Any]) -> None:
    acc = result["accuracy"]
    parts = [f"noise-free {100 * acc['noise_free']:.1f}%"]
    if acc["noisy_torch"] is not None:
        parts.append(f"under {result['config']['backend']} noise {100 * acc['noisy_torch']:.1f}%")
    if acc["aer"] is not None:
        parts.append(f"on Aer {100 * acc['aer']:.1f}%")
    print(
        f"{name}: " + ", ".join(parts) + f"  ({result['val_samples']} validation digits, {result['elapsed_s']:.0f} s)"
    )


def cmd_devices(args: argparse.Namespace) -> int:
    from plugins.quantum.noise.backends import all_backend_names
    from studio.cli.main import print_json

    names = all_backend_names()
    if args.json:
        print_json(names)
    else:
        print("\n".join(names))
    return 0
