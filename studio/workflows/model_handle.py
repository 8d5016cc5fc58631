"""What a job needs to get hold of "the current model", in this process or a spawned worker.

Why: the first version of a model is a file the user opened, so a worker simply reopens it. Every later
version (pruned, quantized, fine-tuned, searched) exists only in memory. A :class:`ModelHandle` carries the
original :class:`ModelSpec` plus, for a derived version, the live ``nn.Module``; the process runner pickles it
with the job's other arguments. That pickle is the studio talking to its own worker, never a file from a user:
files from users are still opened only through the safe readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.workflows.model_spec import ModelSpec

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


@dataclass(frozen=True)
class ModelHandle:
    """The original file (``spec``) and, for a derived version, its module and the steps that made it.

    ``steps`` are recipe steps (plain dicts, see :mod:`studio.recipe`) applied to the original in order.
    """

    spec: ModelSpec
    module: Any = None
    input_shape: tuple[int, ...] | None = None
    steps: tuple[dict[str, Any], ...] = ()

    @property
    def is_derived(self) -> bool:
        """True when this is not simply the file on disk."""
        return self.module is not None

    def load(self) -> LoadedModel:
        """The model as a :class:`LoadedModel`: the file reopened, or the derived module re-traced.

        Raises :class:`studio.core.errors.ModelLoadError` when the original file can no longer be read.
        """
        from studio.formats.registry import open_model

        if self.module is None:
            return open_model(self.spec.path, **self.spec.options)
        return loaded_from_module(
            self.module,
            self.input_shape,
            name=self.spec.path.stem,
            path=self.spec.path,
            fmt="derived",
            steps=self.steps,
        )


def loaded_from_module(
    module: Any,
    input_shape: tuple[int, ...] | None,
    *,
    name: str,
    path: Any = None,
    fmt: str = "derived",
    steps: tuple[dict[str, Any], ...] = (),
) -> LoadedModel:
    """Wrap an ``nn.Module`` as a :class:`LoadedModel`, tracing its graph with an example input.

    Raises :class:`studio.core.errors.ModelLoadError` when the module cannot be traced at ``input_shape``.
    """
    import torch

    from studio.core.errors import ModelLoadError
    from studio.formats.base import LoadedModel
    from studio.formats.torch_graph import graph_from_module

    if input_shape is None:
        raise ModelLoadError(f"{name}: the input shape is unknown, so the model cannot be traced")
    module = module.eval()
    try:
        graph = graph_from_module(module, torch.zeros(*input_shape), name)
    except Exception as exc:  # torch.export raises many types; the user needs the one line
        raise ModelLoadError(f"{name}: cannot trace the model: {type(exc).__name__}: {exc}") from None
    return LoadedModel(
        path=path,
        format=fmt,
        graph=graph,
        input_shape=tuple(input_shape),
        module=module,
        metadata={"steps": list(steps)},
    )


def handle_for(opened: Any, steps: tuple[dict[str, Any], ...] = ()) -> ModelHandle:
    """The handle of an :class:`~studio.workflows.open_model.OpenedModel` (derived when its format says so)."""
    model = opened.model
    derived = model.format == "derived"
    recorded = tuple(model.metadata.get("steps", ())) if derived else ()
    return ModelHandle(
        spec=opened.spec,
        module=model.module if derived else None,
        input_shape=model.input_shape,
        steps=steps or recorded,
    )


def as_handle(target: ModelSpec | ModelHandle) -> ModelHandle:
    """Jobs take either form: a plain spec is the file itself."""
    return target if isinstance(target, ModelHandle) else ModelHandle(spec=target)
