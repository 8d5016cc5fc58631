"""The demo model and digits, loaded once per test module, with torch kept to two threads."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_model() -> Any:
    """The trained demo as a LoadedModel (its module must not be changed by tests)."""
    import torch

    from studio.workflows.model_handle import ModelHandle
    from studio.workflows.model_spec import resolve_model_spec

    torch.set_num_threads(2)
    return ModelHandle(resolve_model_spec("demo")).load()


@pytest.fixture(scope="session")
def digits() -> Any:
    """QuantData of digits for the demo: train, val and 256 calibration images."""
    from studio.workflows.quantize import prepare_data

    return prepare_data("digits", (1, 1, 8, 8))


@pytest.fixture(scope="session")
def demo_fp32_accuracy(demo_model: Any, digits: Any) -> float:
    from studio.analysis.evaluate import evaluate
    from studio.runtime.executor import TorchExecutor

    return evaluate(TorchExecutor(demo_model.module), digits.val).accuracy
