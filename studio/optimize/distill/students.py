"""Students: a zoo architecture with keyword arguments, or a searched subnet's ``.arch.json`` file.

A student spec is text, as the CLI's ``--student`` and the GUI's student box take it:

* ``digits-cnn`` or ``digits-cnn:width=4`` (zoo name, then ``key=value`` pairs separated by commas);
* a path to ``NAME.arch.json`` written by the search (``{"space": {...}, "arch": {...}}``);
* ``subnet:{...}``: the same JSON inline (what the GUI passes for a candidate picked in the trial table).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


class StudentSpecError(StudioError):
    """A student spec names no known architecture or is malformed."""


def _parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _subnet_payload(spec: str) -> dict[str, Any] | None:
    if spec.startswith("subnet:"):
        text = spec[len("subnet:") :]
    elif spec.endswith(".arch.json"):
        try:
            text = Path(spec).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise StudentSpecError(f"cannot read student {spec}: {exc.strerror or exc}") from None
    else:
        return None
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise StudentSpecError(f"student {spec[:60]}: not valid JSON ({exc})") from None
    if not isinstance(payload, dict) or "space" not in payload or "arch" not in payload:
        raise StudentSpecError("a searched-subnet student needs {'space': ..., 'arch': ...}")
    return payload


def build_student(spec: str, in_channels: int, num_classes: int) -> tuple[Any, tuple[int, ...], str]:
    """``(fresh module, input shape with batch, display name)`` for ``spec``; raises :class:`StudentSpecError`."""
    payload = _subnet_payload(spec)
    if payload is not None:
        from studio.optimize.nas.arch import SubnetArch
        from studio.optimize.nas.space import space_from_dict
        from studio.optimize.nas.subnet import build_subnet

        space = space_from_dict(payload["space"])
        arch = SubnetArch.from_dict(payload["arch"])
        module = build_subnet(space, arch, in_channels, num_classes)
        return module, (1, in_channels, arch.resolution, arch.resolution), f"subnet {arch.key()}"
    from studio.zoo import registry

    name, _, args = spec.partition(":")
    try:
        entry = registry.get(name.strip())
    except StudioError as exc:
        raise StudentSpecError(str(exc)) from None
    kwargs: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in args.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise StudentSpecError(f"student option {part!r} must look like key=value")
        kwargs[key.strip()] = _parse_value(value.strip())
    module = None
    error: Exception | None = None
    # Zoo builders take **kwargs wrappers; offer the data's classes and channels, then fewer, as they accept.
    for extra in ({"num_classes": num_classes, "in_channels": in_channels}, {"num_classes": num_classes}, {}):
        try:
            module = entry.build(**{**extra, **kwargs})
        except TypeError as exc:
            error = exc
            continue
        kwargs = {**extra, **kwargs}
        break
    if module is None:
        raise StudentSpecError(f"student {spec}: {error}") from None
    return module, (1, *entry.input_shape_for(**kwargs)), spec
