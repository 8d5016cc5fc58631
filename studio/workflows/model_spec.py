"""Resolve what a user typed as a model (a path, or the word ``demo``) into something a reader can open."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO_WORD = "demo"


@dataclass(frozen=True)
class ModelSpec:
    """A model to open: a path plus reader options (``arch``, ``input_shape`` ...). Picklable, so jobs take it."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    is_demo: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for project files."""
        return {"path": str(self.path), "options": dict(self.options), "is_demo": self.is_demo}


def resolve_model_spec(text: str | Path, **options: Any) -> ModelSpec:
    """Turn a CLI/GUI model argument into a :class:`ModelSpec`.

    The word ``demo`` names the bundled demo CNN (trained on first use, in seconds). Options whose value is
    ``None`` are dropped so readers see only what the user set.
    """
    options = {k: v for k, v in options.items() if v is not None}
    if str(text) == DEMO_WORD:
        from studio.zoo.demo import ensure_demo_model

        demo = ensure_demo_model()
        return ModelSpec(Path(demo.path), options, is_demo=True)
    return ModelSpec(Path(text).expanduser(), options)


def parse_input_shape(text: str | None) -> tuple[int, ...] | None:
    """Parse ``"1,3,32,32"`` (or ``1x3x32x32``) into a tuple; raises ``ValueError`` with a readable message."""
    if not text:
        return None
    parts = text.replace("x", ",").split(",")
    try:
        shape = tuple(int(p) for p in parts if p.strip())
    except ValueError:
        raise ValueError(f"input shape must be integers like 1,3,32,32, got {text!r}") from None
    if not shape or any(d <= 0 for d in shape):
        raise ValueError(f"input shape must be positive integers like 1,3,32,32, got {text!r}")
    return shape


def model_ref_from_spec(spec: ModelSpec) -> Any:
    """The project's record of a model (:class:`studio.core.project.ModelRef`) for ``spec``."""
    from studio.core.project import ModelRef

    return ModelRef(path=DEMO_WORD if spec.is_demo else str(spec.path.absolute()), options=dict(spec.options))
