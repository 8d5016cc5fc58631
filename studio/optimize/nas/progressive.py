"""Training the supernet by progressive shrinking (Cai et al., once-for-all, 2020), at small scale.

Phases open one elastic dimension after another, so small subnets are trained once the large ones are good:

1. ``full``: the largest network (at random resolutions);
2. ``kernel``: kernel sizes elastic;
3. ``depth``: depths elastic too;
4. ``expand``: expand ratios and width elastic too (hidden channels are sorted by importance first).

Every step trains the largest subnet on the labels plus ``subnets_per_step`` sampled subnets on the labels and
the largest one's soft predictions (in-place distillation, the "sandwich" of BigNAS). Each phase is one run of
:func:`studio.train.loop.train_classifier`, checkpointed after every epoch, so a paused or crashed job resumes
at the epoch it reached with the same result it would have had.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.optimize.nas.arch import ElasticScope, largest_arch, sample_arch

if TYPE_CHECKING:
    from studio.data.datasets import Dataset

PHASES: tuple[tuple[str, ElasticScope], ...] = (
    ("full", ElasticScope(kernel=False, depth=False, expand=False, width=False)),
    ("kernel", ElasticScope(kernel=True, depth=False, expand=False, width=False)),
    ("depth", ElasticScope(kernel=True, depth=True, expand=False, width=False)),
    ("expand", ElasticScope()),
)


@dataclass(frozen=True)
class SupernetTrainingConfig:
    """Epochs per phase (full, kernel, depth, expand), batch size, learning rate, sampled subnets per step,
    the weight of in-place distillation, the seed and the torch threads of the worker."""

    epochs: tuple[int, ...] = (4, 1, 1, 2)
    batch_size: int = 32
    learning_rate: float = 0.01
    subnets_per_step: int = 1
    distill_weight: float = 1.0
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        if len(self.epochs) != len(PHASES) or any(int(e) < 0 for e in self.epochs):
            raise ValueError(f"epochs must give {len(PHASES)} non-negative counts (full, kernel, depth, expand)")
        object.__setattr__(self, "epochs", tuple(int(e) for e in self.epochs))

    @property
    def total_epochs(self) -> int:
        return sum(self.epochs)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["epochs"] = list(self.epochs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SupernetTrainingConfig:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "epochs" in fields:
            fields["epochs"] = tuple(fields["epochs"])
        return cls(**fields)


class _PhaseContext:
    """Maps one phase's epoch progress onto the whole training's, and forwards cancel and pause."""

    def __init__(self, ctx: Any, phase: str, offset: int, total: int) -> None:
        self._ctx, self._phase, self._offset, self._total = ctx, phase, offset, total

    def progress(self, done: float, _total: float, message: str = "") -> None:
        self._ctx.progress(self._offset + done, self._total, f"supernet [{self._phase}] {message}")

    def log(self, message: object) -> None:
        self._ctx.log(message)

    @property
    def cancelled(self) -> bool:
        return bool(self._ctx.cancelled)

    def check_cancelled(self) -> None:
        self._ctx.check_cancelled()

    @property
    def pause_requested(self) -> bool:
        return bool(getattr(self._ctx, "pause_requested", False))

    def check_paused(self, **resume_kwargs: Any) -> None:
        self._ctx.check_paused(**resume_kwargs)


class _SandwichLoss:
    """The per-batch loss of a phase; its sampler is part of the checkpoint so a resume draws the same subnets."""

    def __init__(self, supernet: Any, scope: ElasticScope, config: SupernetTrainingConfig, seed: int) -> None:
        self.supernet = supernet
        self.scope = scope
        self.config = config
        self.rng = random.Random(seed)
        self.largest = largest_arch(supernet.space)

    def __call__(self, model: Any, x: Any, y: Any, _idx: Any) -> Any:
        import torch
        import torch.nn.functional as F

        from studio.optimize.distill.losses import soft_target_loss
        from studio.optimize.nas.supernet import images_at

        x = x.contiguous(memory_format=torch.channels_last)
        model.set_active(self.largest)
        big_logits = model(x)
        loss = F.cross_entropy(big_logits, y)
        soft = big_logits.detach()
        for _ in range(self.config.subnets_per_step):
            arch = sample_arch(model.space, self.rng, self.scope)
            model.set_active(arch)
            logits = model(images_at(x, arch.resolution))
            loss = loss + F.cross_entropy(logits, y)
            if self.config.distill_weight > 0:
                loss = loss + self.config.distill_weight * soft_target_loss(logits, soft, 1.0)
        model.set_active(self.largest)
        return loss

    def save_state(self) -> dict[str, Any]:
        return {"rng": json.dumps(self.rng.getstate())}

    def load_state(self, state: dict[str, Any]) -> None:
        if "rng" in state:
            version, internal, gauss = json.loads(state["rng"])
            self.rng.setstate((version, tuple(internal), gauss))


def train_supernet(
    supernet: Any,
    train: Dataset,
    config: SupernetTrainingConfig,
    work_dir: str | Path,
    ctx: Any = None,
    resume: bool = False,
    after_backward: Any = None,
) -> list[dict[str, Any]]:
    """Train ``supernet`` in place through the phases; returns one record per epoch (phase, epoch, loss).

    ``train`` must be at the space's largest resolution. Checkpoints go to ``work_dir``; with ``resume``,
    training continues from the last one written there (a finished phase is not repeated). A pause request
    stops after the next checkpoint with ``JobPaused(resume=True)``. ``after_backward`` is passed to the
    training loop (the Ray Train workers average gradients there).
    """
    import torch

    from studio.train.loop import TrainingConfig, TrainingHooks, train_classifier

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    torch.set_flush_denormal(True)  # tiny optimiser moments otherwise turn Adam's sqrt 100x slower
    supernet.to(memory_format=torch.channels_last)
    history_path = work / "supernet_history.json"
    history: list[dict[str, Any]] = json.loads(history_path.read_text()) if resume and history_path.exists() else []
    total = config.total_epochs
    offset = 0
    for phase_index, ((phase, scope), epochs) in enumerate(zip(PHASES, config.epochs, strict=True)):
        checkpoint = work / f"supernet_phase{phase_index}.ckpt"
        done_marker = work / f"supernet_phase{phase_index}.done"
        if epochs == 0:
            continue
        if resume and done_marker.exists():
            offset += epochs
            continue
        resume_from = str(checkpoint) if resume and checkpoint.exists() else None
        if resume_from is None and resume and phase_index > 0:
            _load_weights(supernet, work / f"supernet_phase{_previous_phase(config, phase_index)}.ckpt")
        if phase == "expand" and resume_from is None:
            supernet.sort_channels()
        loss = _SandwichLoss(supernet, scope, config, config.seed * 100 + phase_index)

        def record(epoch: int, mean_loss: float, phase: str = phase) -> None:
            history.append({"phase": phase, "epoch": epoch + 1, "loss": float(mean_loss)})
            history_path.write_text(json.dumps(history))

        hooks = TrainingHooks(
            loss_fn=loss,
            on_epoch_end=record,
            checkpoint_path=str(checkpoint),
            resume_from=resume_from,
            resume_kwargs={"resume": True},
            save_state=loss.save_state,
            load_state=loss.load_state,
            after_backward=after_backward,
        )
        training = TrainingConfig(
            epochs=epochs,
            batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            seed=config.seed + phase_index,
        )
        phase_ctx = _PhaseContext(ctx, phase, offset, total) if ctx is not None else None
        if ctx is not None:
            ctx.log(f"supernet phase {phase}: {epochs} epoch(s), elastic {_scope_text(scope)}")
        train_classifier(supernet, train, training, phase_ctx, hooks=hooks)
        done_marker.write_text("done")
        offset += epochs
        # A pause between phases stops here too: the next phase starts from this one's checkpoint.
        if ctx is not None and getattr(ctx, "pause_requested", False) and offset < total:
            ctx.check_paused(resume=True)
    supernet.to(memory_format=torch.contiguous_format)
    supernet.eval()
    return history


def _previous_phase(config: SupernetTrainingConfig, phase_index: int) -> int:
    for i in range(phase_index - 1, -1, -1):
        if config.epochs[i] > 0:
            return i
    return 0


def _load_weights(supernet: Any, checkpoint: Path) -> None:
    import torch

    if checkpoint.exists():
        supernet.load_state_dict(torch.load(checkpoint, weights_only=True)["model"])


def _scope_text(scope: ElasticScope) -> str:
    names = [k for k, v in asdict(scope).items() if v]
    return ", ".join(names) if names else "nothing"


def tiny_config(**changes: Any) -> SupernetTrainingConfig:
    """One epoch per phase: what tests and quick demos use."""
    return replace(SupernetTrainingConfig(epochs=(1, 1, 1, 1), batch_size=64), **changes)
