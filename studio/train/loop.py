"""A plain supervised training loop (Adam, cross-entropy, cosine-decayed learning rate), seeded end to end.

Why its own loop and not a framework: the demo model must train in seconds, identically on every machine for
a given seed and thread count, inside a job that reports progress and can be cancelled between batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class TrainingHooks:
    """Optional extensions of :func:`train_classifier`; the defaults give plain supervised training.

    Why hooks instead of another loop: distillation, supernet training and fine-tuning all need the same
    seeded batches, schedule, cancellation and checkpoints, and differ only in the loss and what they record.

    * ``loss_fn(model, x, y, idx)`` replaces cross-entropy (``idx``: the batch's sample indices, e.g. to look up
      cached teacher logits; several sampled subnets for a supernet).
    * ``on_epoch_end(epoch, mean_loss)`` runs after every epoch (curves, validation accuracy).
    * ``parameters`` are what the optimizer updates (default: the model's), e.g. a model plus an adapter.
    * ``after_backward(model)`` runs between backward and the optimizer step (e.g. averaging gradients over
      data-parallel workers).
    * ``checkpoint_path``: after every epoch the model, optimizer, schedule, batch order and ``save_state()``
      are written there (atomically). ``resume_from`` continues from such a file, giving the same weights as an
      uninterrupted run. After a checkpoint, a job asked to pause stops via ``ctx.check_paused(**resume_kwargs)``.
    """

    loss_fn: Callable[..., Any] | None = None
    on_epoch_end: Callable[[int, float], None] | None = None
    parameters: Any = None
    checkpoint_path: str | None = None
    resume_from: str | None = None
    resume_kwargs: dict[str, Any] = field(default_factory=dict)
    save_state: Callable[[], dict[str, Any]] | None = None
    load_state: Callable[[dict[str, Any]], None] | None = None
    after_backward: Callable[[Any], None] | None = None


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
    hooks: TrainingHooks | None = None,
) -> TrainingReport:
    """Train ``model`` in place on ``data``; returns a :class:`TrainingReport`, the model left in eval mode.

    The batch order comes from ``config.seed`` alone, so two runs with the same seed, initial weights and
    thread count give the same weights. ``ctx`` (a job context or ``None``) gets progress per epoch and is
    checked for cancellation before every batch. ``on_epoch(epoch, mean_loss)`` (optional) runs after each
    epoch, with the model still in training mode (callers switch to eval and back to measure accuracy curves).
    ``hooks`` extend it further (see :class:`TrainingHooks`); a ``resume_from`` file that does not match
    this model raises ``RuntimeError`` from torch.
    """
    import torch
    import torch.nn.functional as F

    hooks = hooks or TrainingHooks()
    x_all = torch.from_numpy(data.x)
    y_all = torch.from_numpy(data.y)
    generator = torch.Generator().manual_seed(config.seed)
    params = hooks.parameters if hooks.parameters is not None else model.parameters()
    optimizer = torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    steps_per_epoch = (len(data) + config.batch_size - 1) // config.batch_size
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs * steps_per_epoch)
    epoch_loss = float("nan")
    start_epoch = 0
    if hooks.resume_from:
        start_epoch, epoch_loss = _load_checkpoint(hooks, model, optimizer, schedule, generator)
    loss_fn = hooks.loss_fn or (lambda m, x, y, _idx: F.cross_entropy(m(x), y))
    model.train()
    for epoch in range(start_epoch, config.epochs):
        order = torch.randperm(len(data), generator=generator)
        loss_sum = 0.0
        for start in range(0, len(data), config.batch_size):
            if ctx is not None and ctx.cancelled:
                ctx.check_cancelled()
            idx = order[start : start + config.batch_size]
            loss = loss_fn(model, x_all[idx], y_all[idx], idx)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if hooks.after_backward is not None:
                hooks.after_backward(model)
            optimizer.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(idx)
        epoch_loss = loss_sum / len(data)
        if on_epoch is not None:
            on_epoch(epoch + 1, epoch_loss)
            model.train()
        if hooks.on_epoch_end is not None:
            hooks.on_epoch_end(epoch, epoch_loss)
            model.train()  # the hook may have evaluated the model
        if hooks.checkpoint_path:
            _save_checkpoint(hooks, model, optimizer, schedule, generator, epoch + 1, epoch_loss)
        if ctx is not None:
            ctx.progress(epoch + 1, config.epochs, f"epoch {epoch + 1}/{config.epochs}: loss {epoch_loss:.4f}")
            if hooks.checkpoint_path and epoch + 1 < config.epochs and getattr(ctx, "pause_requested", False):
                ctx.check_paused(**hooks.resume_kwargs)
    model.eval()
    return TrainingReport(epochs=config.epochs, final_loss=epoch_loss)


def _save_checkpoint(
    hooks: TrainingHooks, model: Any, optimizer: Any, schedule: Any, generator: Any, epochs_done: int, loss: float
) -> None:
    import os

    import torch

    state = {
        "epochs_done": epochs_done,
        "loss": float(loss),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "generator": generator.get_state(),
        "extra": hooks.save_state() if hooks.save_state else {},
    }
    path = str(hooks.checkpoint_path)
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash mid-write leaves the previous checkpoint intact


def _load_checkpoint(hooks: TrainingHooks, model: Any, optimizer: Any, schedule: Any, generator: Any) -> tuple:
    import torch

    state = torch.load(str(hooks.resume_from), weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    generator.set_state(state["generator"])
    if hooks.load_state is not None:
        hooks.load_state(state.get("extra", {}))
    return int(state["epochs_done"]), float(state["loss"])
