"""Train the QNN classifier (a process job) and evaluate it noise-free, under a device's noise, and on Aer.

The job function is module-level and takes/returns plain data, so the GUI can run it in a worker process.
Each epoch it logs one ``qnn-epoch {json}`` line (loss and validation accuracies) that the panel draws as live
curves. :func:`compare_job` trains the same classifier twice, plainly and noise-aware, on the same split and
seed, and reports the accuracy gap under noise of each: QuantumNAT's claim, measured at our scale.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from typing import Any

from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit
from plugins.quantum.qnn.model import DeviceExecutor, IdealExecutor, QnnClassifier, RobustHeadConfig
from studio.core.errors import StudioError

EPOCH_LOG_PREFIX = "qnn-epoch "


@dataclass(frozen=True)
class QnnTrainConfig:
    """Everything a training run depends on; ``backend`` None trains and evaluates without noise."""

    num_classes: int = 2
    blocks: int = 2
    epochs: int = 15
    batch_size: int = 32
    learning_rate: float = 0.05
    seed: int = 0
    val_fraction: float = 0.3
    backend: str | None = None
    noise_injection: bool = False
    noise_factor: float = 1.0  # injected noise relative to the device's (QuantumNAT's noise factor)
    noise_scale: float = 1.0  # the device itself made this many times noisier (evaluation and injection)
    normalize: bool = False
    quantize: bool = False
    aer_shots: int = 1024
    eval_shots: int = 1024  # shots per sample when evaluating under noise in torch (0: exact expectations)
    max_train: int | None = None
    max_val: int | None = None
    threads: int = 2

    @property
    def noise_aware(self) -> bool:
        return self.noise_injection or self.normalize or self.quantize

    def plain(self) -> QnnTrainConfig:
        return dataclasses.replace(self, noise_injection=False, normalize=False, quantize=False)

    def aware(self) -> QnnTrainConfig:
        return dataclasses.replace(self, noise_injection=True, normalize=True, quantize=True)


def _accuracy(model: Any, x: Any, y: Any) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    return float((pred == y).float().mean())


def _check(config: QnnTrainConfig) -> None:
    if config.num_classes not in (2, 4):
        raise StudioError(f"--classes must be 2 or 4, not {config.num_classes}")
    if config.noise_injection and not config.backend:
        raise StudioError("noise injection needs a device (--noise BACKEND)")
    if config.epochs < 1 or config.batch_size < 1:
        raise StudioError("epochs and batch size must be at least 1")


def train_job(ctx: Any, config: QnnTrainConfig, run_name: str = "run") -> dict[str, Any]:
    """Train one classifier; returns accuracies, the per-epoch history, weights and the device summary.

    Raises StudioError for a bad configuration or an unknown device; stops with JobCancelled when cancelled.
    """
    import torch

    from plugins.quantum.noise.sources import BackendNoiseConfig, build_noise_spec
    from plugins.quantum.qasm.writer import write_qasm3
    from plugins.quantum.qnn.data import qnn_digits
    from studio.train.loop import TrainingConfig, train_classifier

    _check(config)
    torch.set_num_threads(max(1, config.threads))
    start = time.perf_counter()
    arch = QnnArchitecture(blocks=config.blocks)
    data = qnn_digits(config.num_classes)
    train, val = data.split(config.val_fraction, seed=config.seed)
    if config.max_train:
        train = train.subset(config.max_train, seed=config.seed)
    if config.max_val:
        val = val.subset(config.max_val, seed=config.seed)
    head = RobustHeadConfig(normalize=config.normalize, quantize=config.quantize)
    model = QnnClassifier.build(arch, config.num_classes, head, seed=config.seed)
    logical = build_qnn_circuit(arch)
    ideal = IdealExecutor(logical, model.symbols)
    device = None
    report = None
    if config.backend:
        from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

        ctx.log(f"transpiling the classifier to {config.backend}")
        report = transpile_for_backend(logical, config.backend)
        device_spec = build_noise_spec(BackendNoiseConfig(config.backend)).scaled(config.noise_scale)
        spec = device_spec.remapped(dict(enumerate(report.physical)))
        device = DeviceExecutor(
            report.circuit,
            model.symbols,
            spec,
            config.noise_injection,
            config.noise_factor,
            config.seed,
            shots=config.eval_shots,
        )
    model.executor = device if (device is not None and config.noise_injection) else ideal
    x_val, y_val = torch.from_numpy(val.x), torch.from_numpy(val.y)
    history: list[dict[str, Any]] = []

    def evaluate(executor: Any) -> float:
        saved = model.executor
        model.executor = executor
        try:
            return _accuracy(model, x_val, y_val)
        finally:
            model.executor = saved

    def on_epoch(epoch: int, loss: float) -> None:
        row: dict[str, Any] = {"run": run_name, "epoch": epoch, "epochs": config.epochs, "loss": loss}
        row["val_noise_free"] = evaluate(ideal)
        if device is not None:
            row["val_noisy"] = evaluate(device)
        history.append(row)
        ctx.log(EPOCH_LOG_PREFIX + json.dumps(row))

    training = TrainingConfig(
        epochs=config.epochs, batch_size=config.batch_size, learning_rate=config.learning_rate, seed=config.seed
    )
    train_classifier(model, train, training, ctx=ctx, on_epoch=on_epoch)
    accuracy: dict[str, float | None] = {"noise_free": evaluate(ideal), "noisy_torch": None, "aer": None}
    if device is not None:
        accuracy["noisy_torch"] = evaluate(device)
        if config.aer_shots and report is not None:
            from plugins.quantum.qnn.aer_eval import aer_accuracy

            ctx.log(f"evaluating {len(val)} samples on Aer ({config.aer_shots} shots each)")
            from plugins.quantum.noise.aer_bridge import spec_to_aer

            noise_model = None if config.noise_scale == 1.0 else spec_to_aer(device_spec)
            accuracy["aer"] = aer_accuracy(
                report.qiskit_circuit, model, val, config.backend, config.aer_shots, config.seed, noise_model
            )
    weights = [float(w) for w in model.weights.detach()]
    return {
        "run": run_name,
        "config": dataclasses.asdict(config),
        "accuracy": accuracy,
        "history": history,
        "weights": weights,
        "train_samples": len(train),
        "val_samples": len(val),
        "transpile": report.summary() if report is not None else None,
        "qasm": write_qasm3(logical.with_values(dict(zip(arch.weight_symbols(), weights, strict=True)))),
        "elapsed_s": time.perf_counter() - start,
    }


def compare_job(ctx: Any, config: QnnTrainConfig) -> dict[str, Any]:
    """Train plainly and noise-aware (injection + normalization + quantization) on ``config.backend``'s noise.

    Returns both results and, for each, the accuracy lost under noise (``noise_free - noisy``).
    """
    if not config.backend:
        raise StudioError("comparing plain and noise-aware training needs a device (--noise BACKEND)")
    aware_config = config if config.noise_aware else config.aware()
    plain = train_job(ctx, config.plain(), "plain")
    aware = train_job(ctx, aware_config, "noise-aware")

    def gap(result: dict[str, Any], key: str) -> float | None:
        acc = result["accuracy"]
        return None if acc[key] is None else acc["noise_free"] - acc[key]

    return {
        "plain": plain,
        "noise_aware": aware,
        "gap_under_noise": {
            "plain": gap(plain, "noisy_torch"),
            "noise_aware": gap(aware, "noisy_torch"),
            "plain_aer": gap(plain, "aer"),
            "noise_aware_aer": gap(aware, "aer"),
        },
    }
