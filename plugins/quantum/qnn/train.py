"""Train the QNN classifier (a process job) and evaluate it noise-free, under a device's noise, and on Aer.

The job function is module-level and takes/returns plain data, so the GUI can run it in a worker process.
Each epoch it logs one ``qnn-epoch {json}`` line (loss and validation accuracies) that the panel draws as live
curves. :mod:`plugins.quantum.qnn.compare` trains it plainly and noise-aware on the same split and seed.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from typing import Any

from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit
from plugins.quantum.qnn.head import NormStats, RobustHeadConfig
from plugins.quantum.qnn.model import INJECTION_METHODS, DeviceExecutor, IdealExecutor, QnnClassifier
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
    injection_method: str = "exact"  # "exact": the noisy density matrix; "pauli": sampled Pauli errors (QuantumNAT)
    shot_noise: bool = False  # with injection, trained <Z> also get the spread of eval_shots shots
    noise_factor: float = 1.0  # injected noise relative to the device's (QuantumNAT's noise factor)
    noise_scale: float = 1.0  # the device itself made this many times noisier (evaluation and injection)
    normalize: bool = False
    quantize: bool = False
    head_bias: bool | None = None  # a trainable bias per class (None: only with normalization; see qnn/head.py)
    quant_levels: int = 5  # levels of the quantized normalized outputs, over [-2, 2]
    calibration_samples: int = 128  # training digits whose noisy outputs give the normalization statistics (0: the
    # evaluated digits' own statistics)
    aer_shots: int = 1024
    eval_shots: int = 1024  # shots per sample when evaluating under noise in torch (0: exact expectations)
    max_train: int | None = None
    max_val: int | None = None
    threads: int = 2
    curves: bool = True  # evaluate after every epoch (the live curves); False evaluates only at the end

    @property
    def noise_aware(self) -> bool:
        return self.noise_injection or self.normalize or self.quantize

    def plain(self) -> QnnTrainConfig:
        return dataclasses.replace(self, noise_injection=False, shot_noise=False, normalize=False, quantize=False)

    def aware(self) -> QnnTrainConfig:
        """The noise-aware recipe that measurably wins at our scale (docs/quantum.md): exact-channel injection with
        shot noise, then normalization. Quantization is left off: it cost accuracy in every setting measured."""
        return dataclasses.replace(
            self, noise_injection=True, injection_method="exact", shot_noise=True, normalize=True, quantize=False
        )


def _accuracy(model: Any, x: Any, y: Any, x_cal: Any = None) -> float:
    """Accuracy on ``(x, y)``; a normalizing head takes its statistics from ``x_cal`` run the same way."""
    import torch

    model.eval()
    with torch.no_grad():
        z = model.expectations(x)
        stats = None
        if model.head.normalize:
            stats = NormStats.of(model.expectations(x_cal) if x_cal is not None else z)
        pred = model.logits(z, stats).argmax(dim=1)
    return float((pred == y).float().mean())


def _check(config: QnnTrainConfig) -> None:
    if config.num_classes not in (2, 4):
        raise StudioError(f"--classes must be 2 or 4, not {config.num_classes}")
    if config.noise_injection and not config.backend:
        raise StudioError("noise injection needs a device (--noise BACKEND)")
    if config.shot_noise and not config.noise_injection:
        raise StudioError("shot noise in training goes with noise injection (--injection)")
    if config.injection_method not in INJECTION_METHODS:
        raise StudioError(f"injection method must be one of {', '.join(INJECTION_METHODS)}")
    if config.epochs < 1 or config.batch_size < 1:
        raise StudioError("epochs and batch size must be at least 1")
    if config.quant_levels < 2:
        raise StudioError("output quantization needs at least 2 levels")


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
    calibration = train.subset(config.calibration_samples, seed=config.seed + 1) if config.calibration_samples else None
    head = RobustHeadConfig(
        normalize=config.normalize, quantize=config.quantize, quant_levels=config.quant_levels, bias=config.head_bias
    )
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
            method=config.injection_method,
            train_shots=config.eval_shots if config.shot_noise else 0,
        )
    model.executor = device if (device is not None and config.noise_injection) else ideal
    x_val, y_val = torch.from_numpy(val.x), torch.from_numpy(val.y)
    x_cal = torch.from_numpy(calibration.x) if calibration is not None else None
    history: list[dict[str, Any]] = []

    def evaluate(executor: Any) -> float:
        saved = model.executor
        model.executor = executor
        try:
            return _accuracy(model, x_val, y_val, x_cal)
        finally:
            model.executor = saved

    def on_epoch(epoch: int, loss: float) -> None:
        row: dict[str, Any] = {"run": run_name, "epoch": epoch, "epochs": config.epochs, "loss": loss}
        if config.curves or epoch == config.epochs:
            row["val_noise_free"] = evaluate(ideal)
            if device is not None:
                row["val_noisy"] = evaluate(device)
        history.append(row)
        ctx.log(EPOCH_LOG_PREFIX + json.dumps(row))

    training = TrainingConfig(
        epochs=config.epochs, batch_size=config.batch_size, learning_rate=config.learning_rate, seed=config.seed
    )
    train_classifier(model, train, training, ctx=ctx, on_epoch=on_epoch)
    last = history[-1]
    accuracy: dict[str, float | None] = {"noise_free": last["val_noise_free"], "noisy_torch": None, "aer": None}
    if device is not None:
        accuracy["noisy_torch"] = last["val_noisy"]
        if config.aer_shots and report is not None:
            from plugins.quantum.qnn.aer_eval import aer_accuracy

            ctx.log(f"evaluating {len(val)} samples on Aer ({config.aer_shots} shots each)")
            from plugins.quantum.noise.aer_bridge import spec_to_aer

            noise_model = None if config.noise_scale == 1.0 else spec_to_aer(device_spec)
            accuracy["aer"] = aer_accuracy(
                report.qiskit_circuit,
                model,
                val,
                config.backend,
                config.aer_shots,
                config.seed,
                noise_model,
                calibration,
            )
    weights = [float(w) for w in model.weights.detach()]
    head_params = {"scale": model.head_scale.detach().tolist(), "bias": model.head_bias.detach().tolist()}
    return {
        "run": run_name,
        "config": dataclasses.asdict(config),
        "accuracy": accuracy,
        "history": history,
        "weights": weights,
        "head": head_params,
        "train_samples": len(train),
        "val_samples": len(val),
        "transpile": report.summary() if report is not None else None,
        "qasm": write_qasm3(logical.with_values(dict(zip(arch.weight_symbols(), weights, strict=True)))),
        "elapsed_s": time.perf_counter() - start,
    }
