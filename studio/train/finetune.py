"""Fine-tuning a pruned model with its sparsity held: every weight that is zero stays zero.

Why the zeros are the mask: a fine-grained or N:M pruned model carries its mask in its weights, so nothing
extra has to travel with a model version, a recipe or a saved file. After every optimizer step the masked
weights are set back to zero (Adam's momentum would otherwise regrow them).

Each epoch reports ``progress`` and a :func:`metrics_line` in the job log (loss, validation accuracy) that the
GUI parses into live curves; :func:`parse_metrics_line` reads it back.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studio.data.datasets import Dataset

METRICS_PREFIX = "metrics "


@dataclass(frozen=True)
class FinetuneConfig:
    """Hyper-parameters: a low learning rate, few epochs (the model is already trained)."""

    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        from studio.core.errors import StudioError

        if self.epochs < 0 or self.batch_size < 1 or self.learning_rate <= 0:
            raise StudioError(f"bad fine-tuning settings: {self}")


@dataclass(frozen=True)
class FinetuneReport:
    """Per epoch: ``{"epoch", "loss", "accuracy"}``; the masks' sparsity before and after (equal)."""

    history: list[dict[str, float]] = field(default_factory=list)
    sparsity_before: float = 0.0
    sparsity_after: float = 0.0


def metrics_line(**values: float) -> str:
    """A job-log line carrying numbers for live plots: ``metrics {"epoch": 1, ...}``."""
    return METRICS_PREFIX + json.dumps(values)


def parse_metrics_line(line: str) -> dict[str, float] | None:
    """The numbers in a :func:`metrics_line`, or ``None`` for any other log line."""
    if not line.startswith(METRICS_PREFIX):
        return None
    try:
        data = json.loads(line[len(METRICS_PREFIX) :])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def sparsity_masks(module: nn.Module) -> dict[str, torch.Tensor]:
    """``weight != 0`` for every kernel layer that has zeros (the pruned ones)."""
    import torch

    masks = {}
    for name, sub in module.named_modules():
        weight = sub._parameters.get("weight") if hasattr(sub, "_parameters") else None
        if weight is not None and weight.dim() >= 2 and not bool(torch.all(weight != 0)):
            masks[name] = (weight.detach() != 0).to(weight.dtype)
    return masks


def masked_sparsity(module: nn.Module, masks: dict[str, torch.Tensor]) -> float:
    """Fraction of zeros over the masked layers' weights."""
    import torch

    total = sum(int(m.numel()) for m in masks.values())
    zeros = sum(int((module.get_submodule(n).weight == 0).sum()) for n in masks)
    return zeros / total if total else float(torch.tensor(0.0))


def _accuracy(module: nn.Module, data: Dataset, batch_size: int = 512) -> float:
    import torch

    from studio.runtime.executor import first_output

    correct = 0
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            x = torch.from_numpy(data.x[start : start + batch_size])
            logits = first_output(module(x)).reshape(len(x), -1)
            correct += int((logits.argmax(1).numpy() == data.y[start : start + batch_size]).sum())
    return correct / len(data) if len(data) else 0.0


def _set_train(module: nn.Module, mode: bool) -> None:
    with contextlib.suppress(NotImplementedError):  # exported programs refuse train()/eval()
        module.train(mode)


def finetune(
    module: nn.Module, train: Dataset, val: Dataset, config: FinetuneConfig = FinetuneConfig(), ctx: Any = None
) -> FinetuneReport:
    """Fine-tune ``module`` in place on ``train`` (Adam, cross-entropy, cosine schedule), zeros held.

    Validation accuracy on ``val`` after each epoch goes to the report and the job log. Checked for
    cancellation before every batch. Leaves the module in eval mode.
    """
    import torch
    import torch.nn.functional as F

    masks = sparsity_masks(module)
    before = masked_sparsity(module, masks)
    x_all = torch.from_numpy(train.x)
    y_all = torch.from_numpy(train.y)
    generator = torch.Generator().manual_seed(config.seed)
    params = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    steps = max(1, config.epochs * ((len(train) + config.batch_size - 1) // config.batch_size))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    weights = {name: module.get_submodule(name).weight for name in masks}
    history: list[dict[str, float]] = []
    for epoch in range(1, config.epochs + 1):
        _set_train(module, True)
        order = torch.randperm(len(train), generator=generator)
        loss_sum = 0.0
        for start in range(0, len(train), config.batch_size):
            if ctx is not None and ctx.cancelled:
                ctx.check_cancelled()
            idx = order[start : start + config.batch_size]
            loss = F.cross_entropy(module(x_all[idx]).reshape(len(idx), -1), y_all[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                for name, weight in weights.items():
                    weight.mul_(masks[name])
            loss_sum += float(loss.detach()) * len(idx)
        _set_train(module, False)
        row = {"epoch": epoch, "loss": loss_sum / len(train), "accuracy": _accuracy(module, val)}
        history.append(row)
        if ctx is not None:
            ctx.log(metrics_line(**row))
            ctx.progress(epoch, config.epochs, f"epoch {epoch}/{config.epochs}: accuracy {row['accuracy']:.4f}")
    _set_train(module, False)
    return FinetuneReport(history, before, masked_sparsity(module, masks))
