"""The project: what the user opened and decided, as evented, versioned, undoable state.

A project names a model (:class:`ModelRef`), a data set spec, the recipe steps recorded so far, notes and some
UI state. It is plain data plus events; reading and writing files lives in :mod:`studio.core.project_io`.

File format: a JSON object with ``format_version`` (:data:`FORMAT_VERSION`). Older files are upgraded
step by step through :data:`MIGRATIONS`; a file from a newer studio is refused with a clear message rather
than half-read. Unknown keys are ignored so a minor addition does not need a new version.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from studio.core.commands import Command
from studio.core.errors import ProjectError
from studio.core.events import EventEmitter

FORMAT_VERSION = 1
PROJECT_KIND = "tinyml-studio-project"
DEMO_MODEL_WORD = "demo"
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Fields a user edits (undoable, mark the project dirty). ``ui_state`` is saved but is not an edit: selecting
# a node must not make the studio ask "save changes?" on quit.
EDIT_FIELDS = ("name", "model", "dataset", "steps", "notes")
UI_FIELDS = ("ui_state",)
FIELDS = EDIT_FIELDS + UI_FIELDS


@dataclass(frozen=True)
class ModelRef:
    """Which model a project uses and how to open it.

    ``path`` is absolute in memory (or the word ``"demo"``); in the file it is relative to the project's
    folder when the model lies in that folder or below it, so a project folder can be moved or shared.
    ``format`` is the reader name ("onnx", "torchscript", ...) or ``None`` to let the readers decide.
    ``options`` are reader options (``arch``, ``input_shape`` ...); ``input_shape`` is kept as a tuple.
    """

    path: str
    format: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        opts = dict(self.options)
        if isinstance(opts.get("input_shape"), list):
            opts["input_shape"] = tuple(opts["input_shape"])
        object.__setattr__(self, "options", opts)

    @property
    def is_demo(self) -> bool:
        return self.path == DEMO_MODEL_WORD

    def to_dict(self, base_dir: Path | None = None) -> dict[str, Any]:
        """JSON-able form; ``base_dir`` is the project file's folder (``None`` keeps the path as is)."""
        path = self.path
        if base_dir is not None and not self.is_demo:
            candidate = Path(path)
            if candidate.is_absolute():
                # Outside the project folder: relative_to raises and the path stays absolute.
                with contextlib.suppress(ValueError):
                    path = candidate.relative_to(Path(base_dir).absolute()).as_posix()
        opts = {k: list(v) if isinstance(v, tuple) else v for k, v in self.options.items()}
        return {"path": path, "format": self.format, "options": opts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: Path | None = None) -> ModelRef:
        """Inverse of :meth:`to_dict`; relative paths are resolved against ``base_dir``."""
        if not isinstance(data, Mapping) or not isinstance(data.get("path"), str) or not data["path"]:
            raise ProjectError("project's 'model' must be an object with a non-empty 'path'")
        options = data.get("options") or {}
        if not isinstance(options, Mapping):
            raise ProjectError("project's 'model.options' must be an object")
        fmt = data.get("format")
        if fmt is not None and not isinstance(fmt, str):
            raise ProjectError("project's 'model.format' must be a string or null")
        path = data["path"]
        if path != DEMO_MODEL_WORD and base_dir is not None and not Path(path).is_absolute():
            path = str(Path(base_dir).absolute() / path)
        return cls(path=path, format=fmt, options=dict(options))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: Any, key: str) -> datetime:
    if not isinstance(text, str):
        raise ProjectError(f"project's {key!r} must be an ISO 8601 time string")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProjectError(f"project's {key!r} is not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


T = TypeVar("T")


class _ProjectField(Generic[T]):
    """Attribute that routes reads and writes through the project, so every write is announced."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Project | None, objtype: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        # A copy, so that mutating a returned list cannot bypass events and undo.
        return copy.deepcopy(obj._values[self.name])

    def __set__(self, obj: Project, value: T) -> None:
        obj.set(self.name, value)


def _check_field(name: str, value: Any) -> Any:
    """The value to store for ``name``, or :class:`ProjectError` if it has the wrong type."""
    expected: dict[str, tuple[type, ...]] = {
        "name": (str,),
        "model": (ModelRef, type(None)),
        "dataset": (str,),
        "steps": (list,),
        "notes": (str,),
        "ui_state": (dict,),
    }
    if name not in expected:
        raise ProjectError(f"unknown project field {name!r}; fields: {', '.join(FIELDS)}")
    if not isinstance(value, expected[name]):
        kinds = " or ".join("None" if t is type(None) else t.__name__ for t in expected[name])
        raise ProjectError(f"project field {name!r} must be {kinds}, got {type(value).__name__}")
    if name == "steps" and not all(isinstance(step, dict) for step in value):
        raise ProjectError("project field 'steps' must be a list of objects")
    if name in ("steps", "ui_state"):
        # Caught here, at the edit, rather than as a failed save much later.
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ProjectError(f"project field {name!r} must hold only JSON values: {exc}") from None
    return copy.deepcopy(value)


class Project:
    """Evented project state.

    Events: ``changed(field_name)`` after a field changes; ``dirty_changed(is_dirty)`` when the unsaved flag
    flips. ``path`` is the file it was loaded from or saved to (not stored in the file). ``revision`` counts
    changes, so an autosaver can tell whether anything happened since it last wrote.
    """

    name: _ProjectField[str] = _ProjectField()
    model: _ProjectField[ModelRef | None] = _ProjectField()
    dataset: _ProjectField[str] = _ProjectField()
    steps: _ProjectField[list[dict[str, Any]]] = _ProjectField()
    notes: _ProjectField[str] = _ProjectField()
    ui_state: _ProjectField[dict[str, Any]] = _ProjectField()

    def __init__(
        self,
        name: str = "Untitled",
        model: ModelRef | None = None,
        dataset: str = "digits",
        steps: list[dict[str, Any]] | None = None,
        notes: str = "",
        ui_state: dict[str, Any] | None = None,
        *,
        project_id: str | None = None,
        created: datetime | None = None,
        modified: datetime | None = None,
    ) -> None:
        self.changed = EventEmitter("project.changed")
        self.dirty_changed = EventEmitter("project.dirty_changed")
        if project_id is not None and (not isinstance(project_id, str) or not _ID_PATTERN.fullmatch(project_id)):
            # The id names the autosave file: refuse anything that could step outside that folder.
            raise ProjectError("project's 'id' must be 1-64 letters, digits, '-' or '_'")
        self.id = project_id or os.urandom(16).hex()  # uuid4's width; importing uuid costs 5 ms at start-up
        self.path: Path | None = None
        self.revision = 0
        self._dirty = False
        initial = {
            "name": name,
            "model": model,
            "dataset": dataset,
            "steps": [] if steps is None else steps,
            "notes": notes,
            "ui_state": {} if ui_state is None else ui_state,
        }
        self._values: dict[str, Any] = {key: _check_field(key, value) for key, value in initial.items()}
        self.created = created or _now()
        self.modified = modified or self.created

    # -- state -------------------------------------------------------------------------------------------
    def get(self, field_name: str) -> Any:
        """Value of a field by name (a copy for lists and dicts)."""
        if field_name not in FIELDS:
            raise ProjectError(f"unknown project field {field_name!r}; fields: {', '.join(FIELDS)}")
        return copy.deepcopy(self._values[field_name])

    def set(self, field_name: str, value: Any) -> bool:
        """Change a field (not undoable; use :class:`SetProjectFieldCommand` for user edits).

        Returns whether the value changed. Raises :class:`ProjectError` for an unknown field or wrong type.
        Changing an edit field marks the project dirty and updates ``modified``; ``ui_state`` does neither.
        """
        value = _check_field(field_name, value)
        if self._values[field_name] == value:
            return False
        self._values[field_name] = value
        self.revision += 1
        if field_name in EDIT_FIELDS:
            self.modified = _now()
            self._set_dirty(True)
        self.changed.emit(field_name)
        return True

    @property
    def dirty(self) -> bool:
        """True when the project has edits not yet saved."""
        return self._dirty

    def mark_clean(self) -> None:
        """Called after a save or a load: the file now matches the state."""
        self._set_dirty(False)

    def mark_dirty(self) -> None:
        """Flag unsaved changes made outside the fields (e.g. a recovered autosave)."""
        self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    @property
    def display_name(self) -> str:
        """Title-bar text: the name, with an asterisk while unsaved."""
        return f"{self.name}*" if self._dirty else self.name

    # -- serialisation -----------------------------------------------------------------------------------
    def to_dict(self, base_dir: Path | None = None) -> dict[str, Any]:
        """JSON-able form at :data:`FORMAT_VERSION`; model paths are made relative to ``base_dir``."""
        model: ModelRef | None = self._values["model"]
        return {
            "kind": PROJECT_KIND,
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "name": self._values["name"],
            "model": model.to_dict(base_dir) if model is not None else None,
            "dataset": self._values["dataset"],
            "steps": copy.deepcopy(self._values["steps"]),
            "notes": self._values["notes"],
            "ui_state": copy.deepcopy(self._values["ui_state"]),
            "created": _format_time(self.created),
            "modified": _format_time(self.modified),
        }

    @classmethod
    def from_dict(cls, data: Any, base_dir: Path | None = None) -> Project:
        """Build a clean project from a file's JSON object, migrating old formats first.

        Raises :class:`ProjectError` (one line) for JSON that is not a project, a newer format, or bad fields.
        """
        data = migrate(data)
        model_data = data.get("model")
        model = ModelRef.from_dict(model_data, base_dir) if model_data is not None else None
        project_id = data.get("id")
        now = _format_time(_now())
        project = cls(
            name=data.get("name", "Untitled"),
            model=model,
            dataset=data.get("dataset", "digits"),
            steps=data.get("steps", []),
            notes=data.get("notes", ""),
            ui_state=data.get("ui_state", {}),
            project_id=project_id,
            created=_parse_time(data.get("created", now), "created"),
            modified=_parse_time(data.get("modified", data.get("created", now)), "modified"),
        )
        return project

    def __repr__(self) -> str:
        return f"Project({self.name!r}, model={self._values['model']!r}, dirty={self._dirty})"


def follow_undo_stack(project: Project, stack: Any) -> None:
    """Keep ``project.dirty`` equal to "the undo stack is not at its clean mark".

    Why: undoing back to the saved state should clear the asterisk, which the project alone cannot know.
    Call ``stack.set_clean()`` after each save (``save_project`` marks the project clean itself).
    """
    stack.clean_changed.connect(lambda clean: project.mark_clean() if clean else project.mark_dirty())


# -- migrations ----------------------------------------------------------------------------------------------
def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """0.x previews wrote the model flat: ``model_path``, ``model_format``, ``arch``, ``input_shape``."""
    out = {k: v for k, v in data.items() if k not in ("model_path", "model_format", "arch", "input_shape")}
    if data.get("model_path"):
        options = {key: data[key] for key in ("arch", "input_shape") if data.get(key) is not None}
        out["model"] = {"path": data["model_path"], "format": data.get("model_format"), "options": options}
    out["kind"] = PROJECT_KIND
    out["format_version"] = 1
    return out


# from_version -> function returning the same data at from_version + 1. Add one entry per format change.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}


def file_format_version(data: Any) -> int:
    """The format version of a decoded project file; :class:`ProjectError` if it is not a project at all."""
    if not isinstance(data, dict):
        raise ProjectError("not a TinyML Studio project (expected a JSON object)")
    if "format_version" not in data:
        if "model_path" in data:
            return 0  # 0.x previews had no version key
        raise ProjectError("not a TinyML Studio project (no 'format_version')")
    version = data["format_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ProjectError(f"not a TinyML Studio project (bad 'format_version': {version!r})")
    kind = data.get("kind", PROJECT_KIND)
    if kind != PROJECT_KIND:
        raise ProjectError(f"not a TinyML Studio project (kind {kind!r})")
    return version


def migrate(data: Any) -> dict[str, Any]:
    """Upgrade a decoded project file to :data:`FORMAT_VERSION` (returns a new dict, input untouched)."""
    version = file_format_version(data)
    if version > FORMAT_VERSION:
        raise ProjectError(f"made by a newer TinyML Studio (format {version}); this one reads up to {FORMAT_VERSION}")
    data = copy.deepcopy(data)
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data


# -- undo ----------------------------------------------------------------------------------------------------
_UNSET: Any = object()


class SetProjectFieldCommand(Command):
    """Undoable ``project.<field> = value``.

    With ``mergeable=True`` consecutive edits of the same field merge into one undo step (typing notes,
    dragging a slider).
    """

    def __init__(
        self,
        project: Project,
        field_name: str,
        value: Any,
        text: str | None = None,
        *,
        mergeable: bool = False,
    ) -> None:
        _check_field(field_name, value)
        self.project = project
        self.field_name = field_name
        self.value = copy.deepcopy(value)
        self.old: Any = _UNSET
        self.mergeable = mergeable
        self.text = text or f"Set {field_name.replace('_', ' ')}"

    def do(self) -> None:
        if self.old is _UNSET:
            self.old = self.project.get(self.field_name)
        self.project.set(self.field_name, self.value)

    def undo(self) -> None:
        self.project.set(self.field_name, self.old)

    def merge_with(self, other: Command) -> bool:
        if (
            self.mergeable
            and isinstance(other, SetProjectFieldCommand)
            and other.mergeable
            and other.project is self.project
            and other.field_name == self.field_name
        ):
            self.value = other.value
            return True
        return False
