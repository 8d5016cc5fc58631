"""EventEmitter: order, disconnect, weak bound methods, isolation of failing listeners, blocking."""

from __future__ import annotations

import gc
import logging

import pytest

from studio.core.events import EventEmitter


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_event(self, *args: object) -> None:
        self.calls.append(args)


def test_listeners_are_called_in_order_with_arguments() -> None:
    emitter = EventEmitter("test")
    seen: list[tuple[str, object]] = []
    emitter.connect(lambda value: seen.append(("a", value)))
    emitter.connect(lambda value: seen.append(("b", value)))
    emitter.emit(3)
    assert seen == [("a", 3), ("b", 3)]


def test_connect_twice_calls_once_and_disconnect_reports() -> None:
    emitter = EventEmitter()
    seen: list[int] = []

    def listener(value: int) -> None:
        seen.append(value)

    assert emitter.connect(listener) is listener
    emitter.connect(listener)
    emitter.emit(1)
    assert seen == [1]
    assert emitter.disconnect(listener) is True
    assert emitter.disconnect(listener) is False
    emitter.emit(2)
    assert seen == [1]


def test_bound_method_is_weak_and_dies_with_its_object() -> None:
    emitter = EventEmitter()
    recorder = _Recorder()
    emitter.connect(recorder.on_event)
    emitter.emit("x")
    assert recorder.calls == [("x",)]
    assert len(emitter) == 1
    del recorder
    gc.collect()
    assert len(emitter) == 0
    emitter.emit("y")  # must not fail on the dead reference


def test_bound_method_disconnect() -> None:
    emitter = EventEmitter()
    recorder = _Recorder()
    emitter.connect(recorder.on_event)
    assert emitter.disconnect(recorder.on_event)
    emitter.emit(1)
    assert recorder.calls == []


def test_failing_listener_is_logged_and_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    emitter = EventEmitter("boom")
    seen: list[int] = []

    def bad(_value: int) -> None:
        raise RuntimeError("listener bug")

    emitter.connect(bad)
    emitter.connect(seen.append)
    with caplog.at_level(logging.ERROR, logger="studio.core.events"):
        emitter.emit(7)  # does not raise
    assert seen == [7]
    assert "boom" in caplog.text and "listener bug" in caplog.text
    assert [str(e) for e in emitter.errors()] == ["listener bug"]


def test_listener_may_disconnect_itself_during_emit() -> None:
    emitter = EventEmitter()
    seen: list[str] = []

    def once() -> None:
        seen.append("once")
        emitter.disconnect(once)

    emitter.connect(once)
    emitter.connect(lambda: seen.append("always"))
    emitter.emit()
    emitter.emit()
    assert seen == ["once", "always", "always"]


def test_blocked_suppresses_emits() -> None:
    emitter = EventEmitter()
    seen: list[int] = []
    emitter.connect(seen.append)
    with emitter.blocked():
        emitter.emit(1)
    emitter.emit(2)
    assert seen == [2]


def test_non_callable_is_rejected() -> None:
    with pytest.raises(TypeError):
        EventEmitter().connect(42)  # type: ignore[arg-type]
