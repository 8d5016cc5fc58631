"""Tiny search spaces and data sets: a supernet that trains in a second or two on 300 digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.optimize.nas.space import TINY_SPACE_TOML  # the tests import it from here too


@pytest.fixture(autouse=True)
def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_space():  # type: ignore[no-untyped-def]
    from studio.optimize.nas.space import parse_space

    return parse_space(TINY_SPACE_TOML, "tiny")


@pytest.fixture(scope="session")
def small_digits_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 digits (30 per class) as a .npz data set: what the jobs load by path."""
    from studio.data.digits import load_digits_dataset

    data = load_digits_dataset()
    idx = np.concatenate([np.flatnonzero(data.y == c)[:30] for c in range(10)])
    path = tmp_path_factory.mktemp("data") / "digits300.npz"
    np.savez(path, x=data.x[idx], y=data.y[idx])
    return path
