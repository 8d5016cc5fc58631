"""The quantum plugin loads like a third-party one: a panel and CLI commands, nothing heavy at start-up."""

from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
import sys

import pytest

from studio.core.plugins import PluginError, PluginRegistry, add_plugin_cli_commands, load_plugins


def _hello_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hello")
    p.set_defaults(func=lambda _args: 0)


def _clashing_commands(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("hello")  # taken by the first plugin


def register_hello(registry: PluginRegistry) -> None:
    registry.add_cli_commands(_hello_commands)


def register_clash(registry: PluginRegistry) -> None:
    registry.add_cli_commands(_clashing_commands)


def test_plugins_add_cli_commands_and_a_clash_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [
        importlib.metadata.EntryPoint(name, f"{__name__}:{fn}", "tinyml_studio.plugins")
        for name, fn in (("a", "register_hello"), ("b", "register_clash"))
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda *, group: eps)
    registry = PluginRegistry()
    assert all(r.ok for r in load_plugins(registry))
    parser = argparse.ArgumentParser()
    failures = add_plugin_cli_commands(parser.add_subparsers(dest="command"), registry)
    assert parser.parse_args(["hello"]).command == "hello"
    assert len(failures) == 1 and "_clashing_commands" in failures[0].name
    with pytest.raises(PluginError):
        registry.add_cli_commands("not a function")  # type: ignore[arg-type]


def test_the_installed_quantum_plugin_registers_its_stage_and_commands() -> None:
    registry = PluginRegistry()
    reports = {r.name: r for r in load_plugins(registry)}
    assert reports["quantum"].ok, reports["quantum"].error
    assert "quantum" in [p.id for p in registry.panels]
    from studio.cli.main import build_parser

    args = build_parser().parse_args(["quantum", "run", "x.qasm", "--noise", "manila", "--json"])
    assert args.quantum_command == "run" and args.noise == "manila"


def test_cli_start_up_imports_neither_qiskit_nor_torch() -> None:
    code = (
        "import sys; from studio.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in ('torch', 'qiskit', 'PySide6') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"
