"""The zoo's registry: architecture name -> builder, default input shape and a one-line description.

Why a registry and not imports: the state_dict reader, the CLI (``--arch``) and the GUI's "Open state_dict"
dialog list and build architectures by name, and plugins may add their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.core.errors import StudioError


@dataclass(frozen=True)
class ZooEntry:
    """One architecture. ``build(**kwargs)`` returns a fresh ``torch.nn.Module`` with random weights."""

    name: str
    build: Callable[..., Any]
    input_shape: tuple[int, ...]
    description: str

    def input_shape_for(self, **kwargs: Any) -> tuple[int, ...]:
        """The input shape (C, H, W, no batch) for a model built with ``kwargs``.

        Why: ``in_channels`` and ``resolution`` change what the built model expects, and a reader or the data
        adapter must size its example input to match.
        """
        shape = list(self.input_shape)
        if "in_channels" in kwargs and len(shape) >= 1:
            shape[0] = int(kwargs["in_channels"])
        if "resolution" in kwargs and len(shape) == 3:
            shape[1] = shape[2] = int(kwargs["resolution"])
        return tuple(shape)


_ENTRIES: dict[str, ZooEntry] = {}


def register(entry: ZooEntry) -> ZooEntry:
    """Add an architecture; a later registration under the same name replaces the earlier one."""
    _ENTRIES[entry.name] = entry
    return entry


def _ensure_builtins() -> None:
    # Importing the module registers the built-in architectures, lazily so `import studio.zoo` stays cheap.
    import studio.zoo.builtin  # noqa: F401


def names() -> list[str]:
    """Names of every registered architecture, sorted."""
    _ensure_builtins()
    return sorted(_ENTRIES)


def get(name: str) -> ZooEntry:
    """The entry called ``name``; raises :class:`StudioError` listing the known names otherwise."""
    _ensure_builtins()
    try:
        return _ENTRIES[name]
    except KeyError:
        raise StudioError(f"unknown architecture {name!r}; known: {', '.join(sorted(_ENTRIES))}") from None


def build(name: str, **kwargs: Any) -> Any:
    """Build a fresh module of architecture ``name`` (random weights)."""
    return get(name).build(**kwargs)
