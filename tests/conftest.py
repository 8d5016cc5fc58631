"""Shared fixtures. Qt runs offscreen; each test gets a private settings/config directory."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the user's real settings, recent files and autosaves."""
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("TINYML_STUDIO_CONFIG_DIR", str(config))
