"""evaluate(): accuracy and cross-entropy of an "images in, logits out" callable; progress and cancel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from studio.analysis.evaluate import cross_entropy, evaluate
from studio.core.errors import DataError
from studio.data.datasets import Dataset


class Cancelled(Exception):
    pass


class RecordingContext:
    """The job-context calls evaluate() makes, recorded; cancels after ``cancel_after`` progress reports."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.reports: list[tuple[int, int]] = []
        self.cancel_after = cancel_after

    @property
    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.reports) >= self.cancel_after

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.reports.append((done, total))


def labelled(n: int = 10, classes: int = 4) -> Dataset:
    y = np.arange(n) % classes
    return Dataset(np.zeros((n, 1, 2, 2), np.float32), y)


def one_hot_predictor(labels: np.ndarray, classes: int, wrong: set[int]) -> callable:
    """Predicts the true label (logit 5 vs 0) for every sample except those in ``wrong``; tracks position."""
    position = {"next": 0}

    def predict(x: np.ndarray) -> np.ndarray:
        start = position["next"]
        position["next"] += len(x)
        logits = np.zeros((len(x), classes), np.float32)
        for i in range(len(x)):
            label = labels[start + i]
            logits[i, (label + 1) % classes if start + i in wrong else label] = 5.0
        return logits

    return predict


def test_accuracy_loss_and_progress() -> None:
    data = labelled(10)
    ctx = RecordingContext()
    result = evaluate(one_hot_predictor(data.y, 4, wrong={2, 7}), data, batch_size=4, ctx=ctx)
    assert result.accuracy == pytest.approx(0.8)
    assert result.samples == 10
    right = -math.log(math.exp(5) / (math.exp(5) + 3))
    wrong = -math.log(1 / (math.exp(5) + 3))
    assert result.loss == pytest.approx((8 * right + 2 * wrong) / 10)
    assert ctx.reports == [(4, 10), (8, 10), (10, 10)]


def test_cancel_stops_between_batches() -> None:
    data = labelled(10)
    ctx = RecordingContext(cancel_after=1)
    with pytest.raises(Cancelled):
        evaluate(one_hot_predictor(data.y, 4, wrong=set()), data, batch_size=4, ctx=ctx)
    assert ctx.reports == [(4, 10)]


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    loss = cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert loss[0] == pytest.approx(0.0) and loss[1] == pytest.approx(1000.0)


def test_outputs_that_do_not_fit_are_data_errors() -> None:
    data = labelled(6, classes=4)
    with pytest.raises(DataError, match="scores 3 classes"):
        evaluate(lambda x: np.zeros((len(x), 3)), data)
    with pytest.raises(DataError, match="expected 6 rows"):
        evaluate(lambda x: np.zeros((1, 4)), data)
    result = evaluate(lambda x: np.zeros((len(x), 4, 1, 1)), data)
    assert result.samples == 6
