"""User preferences: one typed, versioned schema, read leniently and written atomically.

Why a frozen dataclass: the preferences dialog is generated from its fields (type hints, ``help`` metadata),
the ``tinyml-studio config`` command parses values against the same hints, and validation lives in one place
(``__post_init__``), so an invalid value cannot exist in memory. Window geometry stays in QSettings.

Reading never crashes the studio: a missing file gives the defaults; a corrupt file is moved aside to
``preferences.json.bad`` and the defaults are used; a single invalid value falls back to its default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from studio.core.atomic_write import write_json_atomic
from studio.core.errors import StudioError

logger = logging.getLogger(__name__)

CONFIG_DIR_ENV = "TINYML_STUDIO_CONFIG_DIR"
APP_FOLDER = "tinyml-studio"
PREFERENCES_NAME = "preferences.json"
SCHEMA_VERSION = 1

Theme = Literal["light", "dark", "system"]


def config_dir() -> Path:
    """Folder for preferences, recent files and autosaves (not created here).

    ``$TINYML_STUDIO_CONFIG_DIR`` if set (tests and portable installs),
    else ``$XDG_CONFIG_HOME/tinyml-studio``, else ``%APPDATA%\\tinyml-studio`` on Windows,
    else ``~/.config/tinyml-studio``.
    """
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg).expanduser() / APP_FOLDER
    appdata = os.environ.get("APPDATA")
    if sys.platform == "win32" and appdata:
        return Path(appdata) / APP_FOLDER
    return Path.home() / ".config" / APP_FOLDER


class InvalidPreferenceError(StudioError, ValueError):
    """A preference has the wrong type or value; ``str(err)`` says which and what is allowed.

    Also a ``ValueError`` so generic form code (``dataclasses.replace`` in a dialog) can catch it.
    """


def _meta(help: str, *, low: float | None = None, high: float | None = None) -> dict[str, Any]:
    return {"help": help, "min": low, "max": high}


@dataclass(frozen=True)
class Preferences:
    """Every user preference with its default.

    Construction validates every field and raises :class:`InvalidPreferenceError` for a bad one.
    """

    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION

    theme: Theme = field(default="system", metadata=_meta("Colour theme; 'system' follows the desktop."))
    autosave_interval_s: int = field(
        default=60,
        metadata=_meta("Seconds between autosaves of an unsaved project; 0 turns it off.", low=0, high=86_400),
    )
    recent_files_limit: int = field(
        default=10, metadata=_meta("How many recent files the File menu lists.", low=0, high=100)
    )
    netron_embedded: bool = field(
        default=True, metadata=_meta("Show Netron inside the studio (otherwise in the web browser).")
    )
    latency_repeats: int = field(
        default=20,
        metadata=_meta("Runs per layer when measuring latency (the median is shown).", low=1, high=10_000),
    )
    default_dataset: str = field(
        default="digits", metadata=_meta("Data set for evaluation: 'digits', an image folder or a .npz file.")
    )
    ray_address: str | None = field(
        default=None, metadata=_meta("Ray cluster address (e.g. ray://host:10001); empty runs jobs locally.")
    )
    show_edge_shapes: bool = field(default=True, metadata=_meta("Label graph edges with tensor shapes."))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            validate_preference(f.name, getattr(self, f.name))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form including ``schema_version``."""
        data = dataclasses.asdict(self)
        data["schema_version"] = SCHEMA_VERSION
        return data


_HINTS: dict[str, Any] = typing.get_type_hints(Preferences)
_FIELDS = {f.name: f for f in dataclasses.fields(Preferences)}


def preference_names() -> list[str]:
    """Names of every preference, in declaration order."""
    return list(_FIELDS)


def preference_help(name: str) -> str:
    """The one-line help of a preference (tooltips, ``tinyml-studio config --help``)."""
    return str(_field(name).metadata.get("help", ""))


def _field(name: str) -> dataclasses.Field[Any]:
    try:
        return _FIELDS[name]
    except KeyError:
        raise InvalidPreferenceError(f"unknown preference {name!r}; known: {', '.join(preference_names())}") from None


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args and type(None) in typing.get_args(hint):
        return f"{_describe(args[0])} or empty"
    return {bool: "true or false", int: "a whole number", str: "text", float: "a number"}.get(hint, str(hint))


def _base_hint(hint: Any) -> Any:
    """``str`` for ``str | None``; the hint itself otherwise."""
    args = typing.get_args(hint)
    if type(None) in args:
        return next(a for a in args if a is not type(None))
    return hint


def validate_preference(name: str, value: Any) -> Any:
    """Return ``value`` if it is valid for preference ``name``; else raise :class:`InvalidPreferenceError`."""
    f = _field(name)
    hint = _HINTS[name]
    args = typing.get_args(hint)
    if value is None and type(None) in args:
        return value
    base = _base_hint(hint)
    problem = None
    if typing.get_origin(base) is Literal:
        if value not in typing.get_args(base):
            problem = "must be " + _describe(base)
    elif base is bool:
        if not isinstance(value, bool):
            problem = "must be true or false"
    elif base is int:
        if not isinstance(value, int) or isinstance(value, bool):
            problem = "must be a whole number"
    elif base is str and (not isinstance(value, str) or not value.strip()):
        problem = "must be non-empty text" + (" or empty" if type(None) in args else "")
    if problem is None and isinstance(value, int | float) and not isinstance(value, bool):
        low, high = f.metadata.get("min"), f.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            problem = f"must be between {low} and {high}"
    if problem:
        raise InvalidPreferenceError(f"preference {name!r} {problem}, got {value!r}")
    return value


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_preference_value(name: str, text: str) -> Any:
    """Turn command-line text into a typed, validated value for ``name`` (``tinyml-studio config set``).

    Booleans accept true/false/yes/no/on/off/1/0; an empty text or ``none`` means "unset" for optional
    preferences. Raises :class:`InvalidPreferenceError`.
    """
    hint = _HINTS[_field(name).name]
    args = typing.get_args(hint)
    raw = text.strip()
    if type(None) in args and raw.lower() in ("", "none", "null"):
        return validate_preference(name, None)
    base = _base_hint(hint)
    value: Any = raw
    if base is bool:
        if raw.lower() in _TRUE:
            value = True
        elif raw.lower() in _FALSE:
            value = False
    elif base is int:
        # On failure the text stays a string and validation reports "must be a whole number".
        with contextlib.suppress(ValueError):
            value = int(raw)
    return validate_preference(name, value)


def _prefs_v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """0.x previews stored ``dark_mode: bool`` and ``autosave_minutes``."""
    out = {k: v for k, v in data.items() if k not in ("dark_mode", "autosave_minutes")}
    if "dark_mode" in data:
        out["theme"] = "dark" if data["dark_mode"] else "light"
    if isinstance(data.get("autosave_minutes"), int | float):
        out["autosave_interval_s"] = int(data["autosave_minutes"] * 60)
    out["schema_version"] = 1
    return out


# from_version -> function upgrading the stored dict by one version.
PREFERENCE_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _prefs_v0_to_v1}


def preferences_from_dict(data: Mapping[str, Any]) -> Preferences:
    """Preferences from a stored dict: migrated, unknown keys ignored, each invalid value -> its default.

    A file from a newer studio is read the same way (known keys only), so downgrading keeps what it can.
    """
    values = dict(data)
    version = values.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        version = 0
    while version < SCHEMA_VERSION:
        values = PREFERENCE_MIGRATIONS[version](values)
        version += 1
    if version > SCHEMA_VERSION:
        logger.warning("preferences written by a newer studio (schema %s); reading known keys", version)
    kept: dict[str, Any] = {}
    for name in preference_names():
        if name not in values:
            continue
        try:
            kept[name] = validate_preference(name, values[name])
        except InvalidPreferenceError as exc:
            logger.warning("%s; using the default", exc)
    return Preferences(**kept)


def preferences_path() -> Path:
    """Where :func:`load_preferences` and :func:`save_preferences` look by default."""
    return config_dir() / PREFERENCES_NAME


def load_preferences(path: Path | None = None) -> Preferences:
    """The saved preferences, or the defaults. Never raises for a bad file (see the module docstring)."""
    path = path or preferences_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValueError) as exc:
        _set_aside(path, f"unreadable ({exc})")
        return Preferences()
    if not isinstance(data, dict):
        _set_aside(path, "not a JSON object")
        return Preferences()
    return preferences_from_dict(data)


def _set_aside(path: Path, why: str) -> None:
    backup = path.with_name(path.name + ".bad")
    try:
        os.replace(path, backup)
        logger.warning("preferences file %s is %s; moved to %s, using defaults", path, why, backup)
    except OSError as exc:
        logger.warning("preferences file %s is %s and could not be moved aside (%s)", path, why, exc)


def save_preferences(prefs: Preferences, path: Path | None = None) -> Path:
    """Write ``prefs`` atomically; returns the path. Raises :class:`StudioError` if it cannot be written."""
    path = path or preferences_path()
    try:
        return write_json_atomic(path, prefs.to_dict())
    except OSError as exc:
        raise StudioError(f"could not save preferences to {path}: {exc.strerror or exc}") from None


def update_preferences(prefs: Preferences, **changes: Any) -> Preferences:
    """A copy of ``prefs`` with ``changes``.

    Raises :class:`InvalidPreferenceError` for an unknown name or an invalid value.
    """
    for name, value in changes.items():
        validate_preference(name, value)
    return dataclasses.replace(prefs, **changes)
