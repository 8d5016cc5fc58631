"""A step registry each test may add kinds to, restored afterwards."""

from __future__ import annotations

import pytest

from studio.recipe import steps as step_registry


@pytest.fixture
def isolated_step_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kinds a test registers vanish after it. The built-in kinds are loaded first: copying the registry before
    they load, then restoring that copy, left the registry empty while it believed them loaded, and every later
    test in the process failed with "unknown recipe step kind 'prune' (known: none)"."""
    step_registry._load_builtins()
    monkeypatch.setattr(step_registry, "_KINDS", dict(step_registry._KINDS))
