"""Checkpointed training: a paused and resumed run ends with exactly the weights of an uninterrupted one."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from studio.core.runners.context import JobContext, JobPaused
from studio.train.loop import TrainingConfig, TrainingHooks, train_classifier


class PauseAfter:
    """A job context whose pause request turns on after ``n`` progress reports."""

    def __init__(self, n: int) -> None:
        self.reports = 0
        self.n = n
        self.cancelled = False

    def progress(self, done: float, total: float, message: str = "") -> None:
        self.reports += 1

    def log(self, message: object) -> None:
        pass

    def check_cancelled(self) -> None:
        pass

    @property
    def pause_requested(self) -> bool:
        return self.reports >= self.n

    def check_paused(self, **kwargs: object) -> None:
        if self.pause_requested:
            raise JobPaused(dict(kwargs))


def _digits(n: int = 200):  # type: ignore[no-untyped-def]
    from studio.data.digits import load_digits_dataset

    return load_digits_dataset().subset(n, seed=0)


def _fresh_model():  # type: ignore[no-untyped-def]
    from studio.zoo.digits_cnn import build_digits_cnn

    torch.manual_seed(0)
    return build_digits_cnn(width=2)


def test_resumed_training_equals_uninterrupted(tmp_path: Path) -> None:
    data, config = _digits(), TrainingConfig(epochs=3, batch_size=32, seed=4)
    straight = _fresh_model()
    losses: list[float] = []
    train_classifier(straight, data, config, hooks=TrainingHooks(on_epoch_end=lambda e, loss: losses.append(loss)))
    assert len(losses) == 3

    ckpt = tmp_path / "c.ckpt"
    paused = _fresh_model()
    with pytest.raises(JobPaused) as info:
        train_classifier(
            paused,
            data,
            config,
            PauseAfter(1),
            hooks=TrainingHooks(checkpoint_path=str(ckpt), resume_kwargs={"again": 1}),
        )
    assert info.value.resume_kwargs == {"again": 1}
    resumed = _fresh_model()
    report = train_classifier(
        resumed, data, config, JobContext.standalone(), hooks=TrainingHooks(resume_from=str(ckpt))
    )
    assert report.final_loss == pytest.approx(losses[-1])
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_supernet_progressive_shrinking_pauses_and_resumes_exactly(tiny_space, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.progressive import tiny_config, train_supernet
    from studio.optimize.nas.supernet import Supernet

    data = _digits(160).adapted_to((1, 12, 12))
    config = tiny_config(batch_size=40)

    def fresh():  # type: ignore[no-untyped-def]
        torch.manual_seed(1)
        return Supernet(tiny_space, 1, 10)

    straight = fresh()
    history = train_supernet(straight, data, config, tmp_path / "a")
    assert [h["phase"] for h in history] == ["full", "kernel", "depth", "expand"]
    assert all(h["loss"] == h["loss"] for h in history)  # no NaN

    interrupted = fresh()
    with pytest.raises(JobPaused) as info:
        train_supernet(interrupted, data, config, tmp_path / "b", PauseAfter(2))
    assert info.value.resume_kwargs == {"resume": True}
    resumed = fresh()
    again = train_supernet(resumed, data, config, tmp_path / "b", JobContext.standalone(), resume=True)
    assert [h["loss"] for h in again] == pytest.approx([h["loss"] for h in history])
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name
