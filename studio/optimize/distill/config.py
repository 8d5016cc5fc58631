"""What a distillation run does: the loss terms (each a small config with a registered handler) and training.

Terms: :class:`SoftTargetConfig` (Hinton's soft targets with temperature and weight) and
:class:`FeatureHintConfig` (the student's penultimate features regress onto the teacher's through a linear
adapter, FitNets-style). A :class:`DistillConfig` with no terms trains the student alone: that is the
baseline every distillation is compared against, with the same initial weights and batch order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from studio.core.errors import StudioError


@dataclass(frozen=True)
class SoftTargetConfig:
    """``alpha * T**2 * KL(teacher/T || student/T) + (1 - alpha) * cross-entropy``."""

    temperature: float = 4.0
    alpha: float = 0.9

    def __post_init__(self) -> None:
        if self.temperature <= 0 or not 0.0 <= self.alpha <= 1.0:
            raise StudioError(f"temperature must be > 0 and alpha in [0, 1], got {self.temperature}, {self.alpha}")


@dataclass(frozen=True)
class FeatureHintConfig:
    """``weight * MSE(normalise(adapter(student features)), normalise(teacher features))``, features being
    the inputs of each network's last linear layer."""

    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise StudioError(f"feature weight must be >= 0, got {self.weight}")


@dataclass(frozen=True)
class DistillConfig:
    """Loss terms plus the training settings shared by the distilled and the baseline student."""

    soft: SoftTargetConfig | None = field(default_factory=SoftTargetConfig)
    feature: FeatureHintConfig | None = None
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 0.01
    weight_decay: float = 1e-4

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise StudioError("distillation needs epochs >= 1, batch size >= 1 and a positive learning rate")

    @property
    def distills(self) -> bool:
        """False for the baseline (no term uses the teacher)."""
        return self.soft is not None or (self.feature is not None and self.feature.weight > 0)

    def baseline(self) -> DistillConfig:
        """The same training with the teacher switched off."""
        return replace(self, soft=None, feature=None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistillConfig:
        soft = data.get("soft")
        feature = data.get("feature")
        rest = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k not in ("soft", "feature")}
        return cls(
            soft=SoftTargetConfig(**soft) if isinstance(soft, dict) else None,
            feature=FeatureHintConfig(**feature) if isinstance(feature, dict) else None,
            **rest,
        )
