"""How one trial is scored: extract the subnet, recalibrate its batch norm, measure validation accuracy.

Why on a standalone copy: evaluating never changes the supernet, so trials are independent of each other and
of their order, and a Ray worker that evaluates a trial gets exactly what the local runner gets. One torch
thread per evaluation keeps the floating-point reductions, and so the accuracy, identical on every worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from studio.data.datasets import Dataset
    from studio.optimize.nas.arch import SubnetArch

#: Training images used to recalibrate batch norm per subnet.
CALIBRATION_SAMPLES = 256


@dataclass(frozen=True, eq=False)
class TrialData:
    """Calibration images and validation images/labels, all at the space's largest resolution."""

    calib_x: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray


def prepare_trial_data(train: Dataset, val: Dataset, calibration_samples: int = CALIBRATION_SAMPLES) -> TrialData:
    """The arrays :func:`evaluate_arch` needs (a fixed, seeded calibration subset of ``train``)."""
    calib = train.subset(calibration_samples, seed=0)
    return TrialData(calib.x, val.x, val.y)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch threads, then restore the previous count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def accuracy_of(model: Any, x: Any, y: Any, batch_size: int = 256) -> float:
    """Top-1 accuracy of ``model`` (eval mode) on tensors ``x``, ``y``."""
    import torch

    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(x[start : start + batch_size])
            correct += int((logits.argmax(1) == y[start : start + batch_size]).sum())
    return correct / max(1, len(x))


def evaluate_arch(supernet: Any, arch: SubnetArch, data: TrialData) -> float:
    """Validation accuracy of ``arch`` with the supernet's weights (batch norm recalibrated); 0..1."""
    import torch

    from studio.optimize.nas.subnet import extract_subnet, recalibrate_batchnorm
    from studio.optimize.nas.supernet import images_at

    with torch_threads(1):
        subnet = extract_subnet(supernet, arch)
        calib = images_at(torch.from_numpy(data.calib_x), arch.resolution)
        recalibrate_batchnorm(subnet, calib)
        val_x = images_at(torch.from_numpy(data.val_x), arch.resolution)
        return accuracy_of(subnet, val_x, torch.from_numpy(data.val_y))
