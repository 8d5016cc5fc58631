"""Shared fixtures: a small int8 model with every op kind, the demo's int8 model, and built firmware cached
for the whole session (building and emulating once keeps the suite fast)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm not installed")
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")


def _all_ops_module():
    import torch
    import torch.nn.functional as F
    from torch import nn

    class AllOps(nn.Module):
        """conv-bn-relu, depthwise 3x3 + relu6, pointwise, residual add, concat, avg/max pool, flatten, fc,
        and a strided depthwise (in-place with a channel buffer)."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.bn2 = nn.BatchNorm2d(8)
            self.act = nn.ReLU6()
            self.pw = nn.Conv2d(8, 8, 1)
            self.dw2 = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16)
            self.pool = nn.MaxPool2d(2, stride=1, padding=1)
            self.fc = nn.Linear(16 * 4 * 4, 5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a = F.relu(self.bn1(self.conv1(x)))
            b = self.act(self.bn2(self.dw(a)))
            d = torch.relu(a + self.pw(b))
            e = torch.cat([d, a], dim=1)
            f = F.avg_pool2d(self.dw2(e), 1)
            return self.fc(torch.flatten(self.pool(f), 1))

    torch.manual_seed(1)
    model = AllOps()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


@pytest.fixture(scope="session")
def all_ops_int8():
    """(int8 model, int8 inputs) of a model using every op kind of the IR."""
    import torch

    from studio.int8.lower import lower_module
    from studio.int8.reference import input_codes

    torch.set_num_threads(1)
    x = np.random.default_rng(0).random((48, 3, 6, 6)).astype(np.float32)
    model = lower_module(_all_ops_module(), (1, 3, 6, 6), x[:32], name="allops")
    return model, input_codes(model, x)


@pytest.fixture(scope="session")
def demo_int8():
    """The demo CNN quantized with the deploy defaults, and (codes, labels) of its validation split."""
    import torch

    from studio.workflows.deploy import int8_from_spec, validation_codes
    from studio.workflows.model_spec import resolve_model_spec

    torch.set_num_threads(1)
    model = int8_from_spec(resolve_model_spec("demo"), "digits")
    x, y = validation_codes(model, "digits")
    return model, x, y


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy")
