"""Distillation losses: Hinton's soft targets and a FitNets-style feature hint.

Why the ``T**2`` factor: softening logits by ``T`` shrinks the soft-target gradients by ``1/T**2``; scaling
back keeps the balance between the soft and hard terms the same whatever temperature the user picks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_target_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``T**2 * KL(softmax(teacher/T) || softmax(student/T))``, averaged over the batch."""
    t = float(temperature)
    log_p = F.log_softmax(student_logits / t, dim=1)
    q = F.softmax(teacher_logits / t, dim=1)
    return F.kl_div(log_p, q, reduction="batchmean") * (t * t)


def kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 4.0,
    alpha: float = 0.9,
) -> torch.Tensor:
    """``alpha * soft-target loss + (1 - alpha) * cross-entropy with the labels`` (Hinton et al., 2015)."""
    hard = F.cross_entropy(student_logits, labels)
    if alpha <= 0:
        return hard
    return alpha * soft_target_loss(student_logits, teacher_logits, temperature) + (1 - alpha) * hard


def feature_hint_loss(student_features: torch.Tensor, teacher_features: torch.Tensor) -> torch.Tensor:
    """Mean squared error between L2-normalised feature vectors (both ``N x D`` after the adapter).

    Normalising makes the loss independent of the two networks' activation scales, so one weight works for
    any teacher/student pair.
    """
    return F.mse_loss(F.normalize(student_features, dim=1), F.normalize(teacher_features, dim=1))
