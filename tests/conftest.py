"""Shared fixtures. Qt runs offscreen; each test gets a private settings/config directory."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the user's real settings, recent files and autosaves."""
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("TINYML_STUDIO_CONFIG_DIR", str(config))


#: Seconds after which a test that still runs has every thread's stack printed and the run ends. Why, beside
#: pytest-timeout's 300 s: its alarm is handled by Python, so a test stuck inside C code (holding the GIL, say)
#: never sees it, and CI would wait out its whole budget with nothing printed. faulthandler's watchdog is a C
#: thread: it prints and exits whatever the main thread is doing.
HARD_TEST_TIMEOUT_S = int(os.environ.get("TINYML_HARD_TEST_TIMEOUT_S", "420"))
_watchdog_fd: int | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _watchdog_fd
    _watchdog_fd = os.dup(2)  # the real stderr: the dump must reach CI's log, not a test's captured output
    # As in the studio (studio.ui.gui_thread_gc): cyclic garbage is collected on the main thread only, after
    # each test (young generations) and each module (all), never by a worker thread that happens to allocate.
    # Automatic collection on a worker once finalized a closed panel's Qt wrappers there and deadlocked.
    gc.disable()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _watchdog_fd
    if _watchdog_fd is not None:
        os.close(_watchdog_fd)
        _watchdog_fd = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    import faulthandler

    if _watchdog_fd is not None:
        faulthandler.dump_traceback_later(HARD_TEST_TIMEOUT_S, exit=True, file=_watchdog_fd)
    try:
        return (yield)
    finally:
        # Young generations after each test; everything after each module, so what survives into the old
        # generation (onnxruntime sessions, Qt wrappers in cycles, torch programs) is finalized at the same
        # place on every run, against the module that made it, under its watchdog.
        module_done = nextitem is None or getattr(nextitem, "module", None) is not getattr(item, "module", None)
        gc.collect(2 if module_done else 1)
        faulthandler.cancel_dump_traceback_later()
