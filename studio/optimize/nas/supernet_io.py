"""Saving and loading a trained supernet: its weights plus the space and data shape that built it.

The file is a plain ``torch.save`` of tensors and strings, read back with ``torch.load(weights_only=True)``:
no pickled code, so a supernet file from someone else is as safe to open as a state_dict.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError
from studio.optimize.nas.space import SearchSpace, space_from_dict

SUPERNET_FORMAT = 1


def save_supernet(path: str | Path, supernet: Any, info: dict[str, Any] | None = None) -> Path:
    """Write ``supernet`` (a :class:`~studio.optimize.nas.supernet.Supernet`) atomically; returns the path."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": SUPERNET_FORMAT,
        "space": json.dumps(supernet.space.to_dict()),
        "in_channels": supernet.in_channels,
        "num_classes": supernet.num_classes,
        "info": json.dumps(info or {}),
        "state_dict": {k: v.contiguous() for k, v in supernet.state_dict().items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def supernet_from_state(space: SearchSpace, in_channels: int, num_classes: int, state_dict: dict[str, Any]) -> Any:
    """A supernet built for ``space`` with ``state_dict`` loaded (eval mode)."""
    from studio.optimize.nas.supernet import Supernet

    net = Supernet(space, in_channels, num_classes)
    net.load_state_dict(state_dict)
    return net.eval()


def load_supernet(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """``(supernet, info)`` from a file written by :func:`save_supernet`.

    Raises :class:`StudioError` when the file is missing, not a supernet, or from a newer studio.
    """
    import torch

    path = Path(path)
    try:
        payload = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise StudioError(f"supernet not found: {path}") from None
    except Exception as exc:  # torch raises many types for a bad file; the user needs one line
        raise StudioError(f"{path.name} is not a supernet file: {type(exc).__name__}: {exc}") from None
    if not isinstance(payload, dict) or "state_dict" not in payload or "space" not in payload:
        raise StudioError(f"{path.name} is not a supernet file")
    if int(payload.get("format", 0)) > SUPERNET_FORMAT:
        raise StudioError(f"{path.name} was written by a newer studio (format {payload['format']})")
    space = space_from_dict(json.loads(payload["space"]), path.name)
    net = supernet_from_state(space, int(payload["in_channels"]), int(payload["num_classes"]), payload["state_dict"])
    return net, json.loads(payload.get("info", "{}"))
