"""The reader contract and the loaded-model record every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from studio.graph.ir import Graph


@dataclass
class LoadedModel:
    """A model as the studio holds it after opening.

    ``graph`` is always present. ``module`` is a torch ``nn.Module`` (eval mode) when the format carries one
    that can run and be changed (pruning, quantization); ONNX models have ``module=None`` and run through
    onnxruntime from ``path``. ``input_shape`` includes the batch dimension (1).
    """

    path: Path | None
    format: str
    graph: Graph
    input_shape: tuple[int, ...] | None = None
    module: Any = None
    onnx_bytes: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """Name shown in the title bar and status bar."""
        return self.path.name if self.path else self.graph.name


class ModelReader(Protocol):
    """A model format. ``match`` is cheap (extension, magic bytes); ``open`` does the work.

    ``open`` raises :class:`studio.core.errors.ModelLoadError` (one-line reason) for anything wrong with
    the file, and never executes code from it unless the format is a Python source file the user chose.
    """

    name: str
    extensions: tuple[str, ...]

    def match(self, path: Path) -> bool: ...

    def open(self, path: Path, **options: Any) -> LoadedModel: ...
