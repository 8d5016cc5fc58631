"""Kernel sets: which C kernels the generator emits, chosen by a :class:`CodegenConfig`.

``fast`` (the default) specialises each layer (:mod:`studio.deploy.codegen.fast_emitters`); ``generic`` is the
straightforward baseline (one MAC at a time, a padding test per tap, like TFLite Micro's reference kernels),
kept so that the benchmark measures the speed-up against it in the same run, and as a fallback a user can pick
when a fast kernel is suspected. A set maps op kinds to emitters that may decline a layer (return None); every
declined layer gets the generic emitter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from studio.deploy.errors import DeployError

KERNEL_SETS: dict[str, Mapping[str, Callable[..., Any]]] = {}


class UnknownKernelSetError(DeployError):
    """A kernel set name nobody registered."""


def register_kernel_set(name: str, emitters: Mapping[str, Callable[..., Any]]) -> None:
    """Add a kernel set: op kind -> emitter ``(op, ctx) -> EmittedOp | None``."""
    KERNEL_SETS[name] = emitters


def _builtin() -> None:
    from studio.deploy.codegen.fast_emitters import FAST_EMITTERS

    register_kernel_set("fast", FAST_EMITTERS)
    register_kernel_set("generic", {})


def kernel_set(name: str) -> Mapping[str, Callable[..., Any]]:
    """The emitters of kernel set ``name``; raises :class:`UnknownKernelSetError`."""
    if not KERNEL_SETS:
        _builtin()
    if name not in KERNEL_SETS:
        raise UnknownKernelSetError(f"unknown kernel set {name!r} (known: {', '.join(sorted(KERNEL_SETS))})")
    return KERNEL_SETS[name]


def kernel_set_names() -> list[str]:
    """Every registered kernel set, the default first."""
    kernel_set(DEFAULT_KERNELS)
    return sorted(KERNEL_SETS, key=lambda n: (n != DEFAULT_KERNELS, n))


DEFAULT_KERNELS = "fast"


@dataclass(frozen=True)
class CodegenConfig:
    """How C is generated: ``kernels`` names a kernel set (``fast`` or ``generic``)."""

    kernels: str = DEFAULT_KERNELS

    def __post_init__(self) -> None:
        kernel_set(self.kernels)
