"""Recipe files: TOML with a format version, read by :mod:`tomllib` and written by a small emitter here.

A recipe file looks like::

    format_version = 1
    model = "demo"            # optional: what to start from
    data = "digits"           # optional: the data set steps use

    [[steps]]
    kind = "prune"
    method = "magnitude"
    sparsity = 0.5

Why our own writer: the standard library reads TOML but does not write it, and recipes hold only strings,
numbers, booleans, lists and flat tables, which take a few lines to emit correctly.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.recipe.steps import RecipeError

FORMAT_VERSION = 1


@dataclass
class Recipe:
    """Steps plus, optionally, the model and data they start from."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    data: str | None = None


def parse_recipe(text: str, source: str = "recipe") -> Recipe:
    """Parse TOML ``text``; raises :class:`RecipeError` naming ``source`` and the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{source}: not valid TOML: {exc}") from None
    version = raw.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RecipeError(f"{source}: format_version {version!r} is newer than this studio reads ({FORMAT_VERSION})")
    steps = raw.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise RecipeError(f"{source}: 'steps' must be an array of tables ([[steps]])")
    for i, step in enumerate(steps, 1):
        if not isinstance(step.get("kind"), str):
            raise RecipeError(f"{source}: step {i} has no 'kind'")
    for key in ("model", "data"):
        if key in raw and not isinstance(raw[key], str):
            raise RecipeError(f"{source}: {key!r} must be a string")
    return Recipe(steps=[dict(s) for s in steps], model=raw.get("model"), data=raw.get("data"))


def load_recipe(path: Path) -> Recipe:
    """Read a recipe file; raises :class:`RecipeError` when it is missing or malformed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read recipe {path}: {exc}") from None
    return parse_recipe(text, source=str(path))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise RecipeError(f"cannot write {type(value).__name__} values to a recipe")


def _key(key: Any) -> str:
    text = str(key)
    bare = text and all(c.isalnum() or c in "-_" for c in text)
    return text if bare else json.dumps(text)


def dump_recipe(recipe: Recipe) -> str:
    """TOML text that :func:`parse_recipe` reads back to an equal :class:`Recipe`."""
    lines = [f"format_version = {FORMAT_VERSION}"]
    if recipe.model is not None:
        lines.append(f"model = {_value(recipe.model)}")
    if recipe.data is not None:
        lines.append(f"data = {_value(recipe.data)}")
    for step in recipe.steps:
        lines += ["", "[[steps]]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in step.items() if v is not None]
    return "\n".join(lines) + "\n"


def save_recipe(recipe: Recipe, path: Path) -> None:
    """Write ``recipe`` atomically (a crash leaves the old file or the new one, never half)."""
    from studio.core.atomic_write import write_text_atomic

    write_text_atomic(Path(path), dump_recipe(recipe))
