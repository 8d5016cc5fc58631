"""A plain supervised training loop (Adam, cross-entropy, cosine-decayed learning rate), seeded end to end.

Why its own loop and not a framework: the demo model must train in seconds, identically on every machine for
a given seed and thread count, inside a job that reports progress and can be cancelled between batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from studio.data.datasets import Dataset


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of :func:`train_classifier`."""

    epochs: int = 15
    batch_size: int = 64
    learning_rate: float = 0.01
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass(frozen=True)
class TrainingReport:
    """What training did: epochs run and the mean loss of the last epoch."""

    epochs: int
    final_loss: float


def train_classifier(
    model: torch.nn.Module,
    data: Dataset,
    config: TrainingConfig = TrainingConfig(),
    ctx: Any = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainingReport:
    """Train ``model`` in place on ``data``; returns a :class:`TrainingReport`, the model left in eval mode.

    The batch order comes from ``config.seed`` alone, so two runs with the same seed, initial weights and
    thread count give the same weights. ``ctx`` (a job context or ``None``) gets progress per epoch and is
    checked for cancellation before every batch. ``on_epoch(epoch, mean_loss)`` (optional) runs after each
    epoch, with the model still in training mode (callers switch to eval and back to measure accuracy curves).
    """
    import torch
    import torch.nn.functional as F

    x_all = torch.from_numpy(data.x)
    y_all = torch.from_numpy(data.y)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    steps_per_epoch = (len(data) + config.batch_size - 1) // config.batch_size
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs * steps_per_epoch)
    epoch_loss = float("nan")
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(len(data), generator=generator)
        loss_sum = 0.0
        for start in range(0, len(data), config.batch_size):
            if ctx is not None and ctx.cancelled:
                ctx.check_cancelled()
            idx = order[start : start + config.batch_size]
            loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(idx)
        epoch_loss = loss_sum / len(data)
        if on_epoch is not None:
            on_epoch(epoch + 1, epoch_loss)
            model.train()
        if ctx is not None:
            ctx.progress(epoch + 1, config.epochs, f"epoch {epoch + 1}/{config.epochs}: loss {epoch_loss:.4f}")
    model.eval()
    return TrainingReport(epochs=config.epochs, final_loss=epoch_loss)
