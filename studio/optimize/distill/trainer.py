"""One student training run, with or without the teacher, as a pure function of arrays and settings.

Why pure: the same function runs in the job's worker or as a Ray task, and gives the same curve for the same
seed in both (one torch thread, seeded initial weights and batch order). The teacher is not needed here: its
logits (and features) on the training images are computed once by the caller and passed in, so every run,
distilled or not, and every seed, shares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.optimize.distill.config import DistillConfig, FeatureHintConfig, SoftTargetConfig


@dataclass(frozen=True, eq=False)
class StudentData:
    """Training and validation images at the student's input shape, and the teacher's outputs on train."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    teacher_logits: np.ndarray
    teacher_features: np.ndarray | None = None
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """Validation accuracy after every epoch, the final one, and the trained weights (a state_dict)."""

    mode: str  # "kd" or "baseline"
    seed: int
    curve: list[tuple[int, float]]
    accuracy: float
    state_dict: dict[str, Any]


def _last_linear(module: Any) -> Any:
    import torch

    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    if not linears:
        from studio.core.errors import StudioError

        raise StudioError("feature distillation needs a network whose last layer is a Linear")
    return linears[-1]


class _TermSet:
    """The distillation loss of one run: each configured term's handler, summed (see :data:`TERM_HANDLERS`)."""

    def __init__(self, config: DistillConfig, data: StudentData, student: Any, adapter: Any, captured: list) -> None:
        import torch

        self.config = config
        self.teacher_logits = torch.from_numpy(data.teacher_logits)
        self.teacher_features = None if data.teacher_features is None else torch.from_numpy(data.teacher_features)
        self.adapter = adapter
        self.captured = captured
        self.student = student

    def __call__(self, model: Any, x: Any, y: Any, idx: Any) -> Any:
        import torch.nn.functional as F

        self.captured.clear()
        logits = self.student(x)
        terms = [(cfg, TERM_HANDLERS[type(cfg)]) for cfg in (self.config.soft, self.config.feature) if cfg]
        if not terms:
            return F.cross_entropy(logits, y)
        loss = None
        for cfg, handler in terms:
            value = handler(self, cfg, logits, y, idx)
            loss = value if loss is None else loss + value
        if self.config.soft is None:  # a feature hint alone still learns the labels
            loss = loss + F.cross_entropy(logits, y)
        return loss


def _soft_term(terms: _TermSet, cfg: SoftTargetConfig, logits: Any, y: Any, idx: Any) -> Any:
    from studio.optimize.distill.losses import kd_loss

    return kd_loss(logits, terms.teacher_logits[idx], y, cfg.temperature, cfg.alpha)


def _feature_term(terms: _TermSet, cfg: FeatureHintConfig, logits: Any, y: Any, idx: Any) -> Any:
    from studio.optimize.distill.losses import feature_hint_loss

    return cfg.weight * feature_hint_loss(terms.adapter(terms.captured[0]), terms.teacher_features[idx])


#: Config type -> the function computing that term; add a term by adding a config class and a handler.
TERM_HANDLERS: dict[type, Any] = {SoftTargetConfig: _soft_term, FeatureHintConfig: _feature_term}


def train_student(
    student: Any, data: StudentData, config: DistillConfig, seed: int, ctx: Any = None, on_epoch: Any = None
) -> RunResult:
    """Train ``student`` (fresh weights, changed in place) with ``config``'s terms; returns its curve.

    ``on_epoch(epoch, accuracy)`` is called after every epoch (live curves). A config without terms trains
    on the labels alone: the baseline.
    """
    import torch

    from studio.data.datasets import Dataset
    from studio.optimize.nas.trial_eval import accuracy_of, torch_threads
    from studio.train.loop import TrainingConfig, TrainingHooks, train_classifier

    with torch_threads(1):
        torch.set_flush_denormal(True)
        captured: list[Any] = []
        params = list(student.parameters())
        adapter = None
        use_feature = config.feature is not None and config.feature.weight > 0 and data.teacher_features is not None
        if use_feature:
            last = _last_linear(student)
            last.register_forward_pre_hook(lambda _m, args: captured.append(args[0]))
            torch.manual_seed(seed + 7919)
            adapter = torch.nn.Linear(last.in_features, data.teacher_features.shape[1], bias=False)
            params += list(adapter.parameters())
        terms = _TermSet(config if use_feature else _without_feature(config), data, student, adapter, captured)
        val_x, val_y = torch.from_numpy(data.val_x), torch.from_numpy(data.val_y)
        curve: list[tuple[int, float]] = []

        def record(epoch: int, _loss: float) -> None:
            student.eval()
            acc = accuracy_of(student, val_x, val_y)
            curve.append((epoch + 1, acc))
            if on_epoch is not None:
                on_epoch(epoch + 1, acc)

        train = Dataset(data.train_x, data.train_y, data.class_names or (), "train")
        training = TrainingConfig(
            epochs=config.epochs,
            batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            weight_decay=config.weight_decay,
            seed=seed,
        )
        hooks = TrainingHooks(loss_fn=terms, on_epoch_end=record, parameters=params)
        train_classifier(student, train, training, ctx, hooks=hooks)
        student.eval()
    mode = "kd" if config.distills else "baseline"
    state = {k: v.detach().clone() for k, v in student.state_dict().items()}
    return RunResult(mode, seed, curve, curve[-1][1] if curve else 0.0, state)


def _without_feature(config: DistillConfig) -> DistillConfig:
    from dataclasses import replace

    return replace(config, feature=None)
