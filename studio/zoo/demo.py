"""The demo model: "digits-cnn" trained on scikit-learn's digits, generated on first use in a few seconds.

Why generated and not committed: the repository holds no binaries; training is seeded and deterministic, so
every machine gets the same weights. The files are reused as long as the training code is unchanged (its hash
is recorded), which makes a second bootstrap instant. Files live in ``resources/demo/generated/`` (gitignored)
or in ``$TINYML_STUDIO_DEMO_DIR``:

- ``demo_cnn.pt``: the state_dict (plain tensors, loads with ``torch.load(weights_only=True)``);
- ``demo_cnn.arch.json``: ``{"arch": "digits-cnn", "kwargs": {...}}`` for the state_dict reader;
- ``demo_cnn.json``: accuracy on the validation split, samples, data set, seed, seconds, torch version, hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEMO_DIR_ENV = "TINYML_STUDIO_DEMO_DIR"
DEMO_ARCH = "digits-cnn"
DEMO_KWARGS: dict[str, Any] = {"num_classes": 10, "in_channels": 1, "width": 16}
DEMO_INPUT_SHAPE = (1, 1, 8, 8)
DEMO_DATASET = "digits"
DEMO_SEED = 0
# Two threads: what a bootstrap can count on, and a fixed count keeps the float results reproducible.
DEMO_THREADS = 2
WEIGHTS_NAME = "demo_cnn.pt"
ARCH_NAME = "demo_cnn.arch.json"
INFO_NAME = "demo_cnn.json"

# The sources whose change must retrain the model.
_TRAINING_SOURCES = (
    "zoo/demo.py",
    "zoo/digits_cnn.py",
    "train/loop.py",
    "data/digits.py",
    "data/datasets.py",
)


@dataclass(frozen=True)
class DemoModel:
    """The trained demo: its state_dict ``path``, zoo ``arch``, validation ``accuracy``, and ``input_shape``
    (with the batch dimension, as :class:`studio.formats.base.LoadedModel`)."""

    path: Path
    arch: str
    accuracy: float
    input_shape: tuple[int, ...]


def demo_dir() -> Path:
    """Where the demo files live: ``$TINYML_STUDIO_DEMO_DIR`` if set, else ``resources/demo/generated``."""
    override = os.environ.get(DEMO_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[2] / "resources" / "demo" / "generated"


def training_code_hash() -> str:
    """SHA-256 over the sources that decide the demo's weights (first 16 hex digits)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for relative in _TRAINING_SOURCES:
        digest.update(relative.encode())
        digest.update((package / relative).read_bytes())
    return digest.hexdigest()[:16]


def _read_info(directory: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((directory / INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def recorded_demo_accuracy() -> float | None:
    """The validation accuracy recorded when the demo was trained, or ``None`` if it has not been trained."""
    info = _read_info(demo_dir())
    if info is None or not isinstance(info.get("accuracy"), int | float):
        return None
    return float(info["accuracy"])


def _current(directory: Path) -> DemoModel | None:
    info = _read_info(directory)
    files_there = all((directory / n).is_file() for n in (WEIGHTS_NAME, ARCH_NAME))
    if not files_there or info is None or info.get("code_hash") != training_code_hash():
        return None
    return DemoModel(directory / WEIGHTS_NAME, DEMO_ARCH, float(info["accuracy"]), DEMO_INPUT_SHAPE)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    # A temp file in the same folder, then os.replace: no reader sees half a file, even if two processes race.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(temp))
        os.chmod(temp, 0o644)  # mkstemp makes it private; these files are ordinary project resources
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def train_demo_model(directory: Path, ctx: Any = None) -> DemoModel:
    """Train, evaluate and write the demo into ``directory``; returns it. Deterministic for a given seed."""
    import torch

    from studio.analysis.evaluate import evaluate
    from studio.data.datasets import load_dataset
    from studio.train.loop import TrainingConfig, train_classifier
    from studio.zoo import registry

    started = time.perf_counter()
    train, val = load_dataset(DEMO_DATASET).split()
    threads = torch.get_num_threads()
    torch.set_num_threads(DEMO_THREADS)
    try:
        torch.manual_seed(DEMO_SEED)
        model = registry.build(DEMO_ARCH, **DEMO_KWARGS)
        train_classifier(model, train, TrainingConfig(seed=DEMO_SEED), ctx=ctx)

        def predict(x: Any) -> Any:
            with torch.no_grad():
                return model(torch.from_numpy(x)).numpy()

        result = evaluate(predict, val)
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - started

    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    info = {
        "arch": DEMO_ARCH,
        "accuracy": result.accuracy,
        "loss": result.loss,
        "val_samples": result.samples,
        "dataset": DEMO_DATASET,
        "split": {"val_fraction": 0.2, "seed": 0},
        "seed": DEMO_SEED,
        "seconds": round(seconds, 3),
        "torch": torch.__version__,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_hash": training_code_hash(),
    }
    arch = {"arch": DEMO_ARCH, "kwargs": DEMO_KWARGS, "input_shape": list(DEMO_INPUT_SHAPE)}
    _write_atomically(directory / WEIGHTS_NAME, lambda p: torch.save(state, p))
    _write_atomically(directory / ARCH_NAME, lambda p: p.write_text(json.dumps(arch, indent=2), encoding="utf-8"))
    # The info file goes last: its hash is what marks the set complete.
    _write_atomically(directory / INFO_NAME, lambda p: p.write_text(json.dumps(info, indent=2), encoding="utf-8"))
    return DemoModel(directory / WEIGHTS_NAME, DEMO_ARCH, result.accuracy, DEMO_INPUT_SHAPE)


def ensure_demo_model(force: bool = False, ctx: Any = None) -> DemoModel:
    """The demo model, trained now only if missing, made by other training code, or ``force`` is set."""
    directory = demo_dir()
    existing = None if force else _current(directory)
    return existing or train_demo_model(directory, ctx)


def main(argv: list[str] | None = None) -> int:
    """``python -m studio.zoo.demo [--force] [--quiet]``: make sure the demo exists, print its accuracy."""
    parser = argparse.ArgumentParser(prog="python -m studio.zoo.demo", description=main.__doc__)
    parser.add_argument("--force", action="store_true", help="retrain even if the files are current")
    parser.add_argument("--quiet", action="store_true", help="print only the result line")
    args = parser.parse_args(argv)
    ctx = None if args.quiet else _PrintProgress()
    reused = not args.force and _current(demo_dir()) is not None
    demo = ensure_demo_model(force=args.force, ctx=ctx)
    info = _read_info(demo_dir()) or {}
    how = "up to date" if reused else f"trained in {info.get('seconds', 0):.1f} s"
    samples = info.get("val_samples", "?")
    print(f"demo model: accuracy {demo.accuracy:.1%} ({samples} validation digits, {how}; {demo.path})")
    return 0


class _PrintProgress:
    """The bits of a job context the training loop uses, printing epochs to the terminal."""

    cancelled = False

    def progress(self, done: int, total: int, message: str = "") -> None:
        print(f"  {message or f'{done}/{total}'}", flush=True)

    def check_cancelled(self) -> None:
        """Never cancelled from the terminal (Ctrl+C raises KeyboardInterrupt instead)."""


if __name__ == "__main__":
    raise SystemExit(main())
