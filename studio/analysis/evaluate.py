"""Accuracy and cross-entropy loss of a model on a data set, batch by batch, as a job step.

Why a ``predict`` callable and not a model: the same evaluation serves a torch module, an onnxruntime
session, the integer-only reference and, later, a board over serial; each is just "images in, logits out".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.core.errors import DataError

if TYPE_CHECKING:
    from studio.data.datasets import Dataset


@dataclass(frozen=True)
class EvaluationResult:
    """Top-1 ``accuracy`` in [0, 1], mean cross-entropy ``loss`` (from logits), and how many ``samples``."""

    accuracy: float
    loss: float
    samples: int

    def to_dict(self) -> dict[str, float | int]:
        """JSON-able form."""
        return {"accuracy": self.accuracy, "loss": self.loss, "samples": self.samples}


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-sample cross-entropy of ``labels`` under softmax(``logits``), computed stably (log-sum-exp)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return log_norm - z[np.arange(len(labels)), labels]


def _check_cancelled(ctx: Any) -> None:
    if ctx is not None and ctx.cancelled:
        ctx.check_cancelled()  # raises the job runner's JobCancelled


def evaluate(
    predict: Callable[[np.ndarray], np.ndarray],
    dataset: Dataset,
    *,
    batch_size: int = 256,
    ctx: Any = None,
) -> EvaluationResult:
    """Run ``predict`` over ``dataset`` in batches and score its logits against the labels.

    ``ctx`` (a job context or ``None``) gets ``progress(done, total)`` after every batch and is checked for
    cancellation before each. Raises :class:`DataError` when the outputs do not fit the data set (wrong batch
    size, not one row of class scores per image, fewer classes than the labels need) or the set is empty.
    """
    total = len(dataset)
    if total == 0:
        raise DataError(f"{dataset.name} holds no samples to evaluate on")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    correct = 0
    loss_sum = 0.0
    for start in range(0, total, batch_size):
        _check_cancelled(ctx)
        x = dataset.x[start : start + batch_size]
        y = dataset.y[start : start + batch_size]
        logits = _as_logits(predict(x), len(x), int(y.max()), dataset.name)
        correct += int((logits.argmax(axis=1) == y).sum())
        loss_sum += float(cross_entropy(logits, y).sum())
        done = start + len(x)
        if ctx is not None:
            ctx.progress(done, total, f"evaluated {done}/{total}")
    return EvaluationResult(accuracy=correct / total, loss=loss_sum / total, samples=total)


def _as_logits(output: Any, batch: int, max_label: int, name: str) -> np.ndarray:
    logits = np.asarray(output)
    if logits.ndim > 2 and all(d == 1 for d in logits.shape[2:]):
        logits = logits.reshape(logits.shape[:2])  # N,K,1,1 from a conv head
    if logits.ndim != 2 or logits.shape[0] != batch:
        raise DataError(
            f"the model returned shape {list(logits.shape)} for {batch} images; expected {batch} rows of class scores"
        )
    if logits.shape[1] <= max_label:
        raise DataError(f"the model scores {logits.shape[1]} classes but {name} has labels up to {max_label}")
    return logits
