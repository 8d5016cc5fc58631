"""One callable per loaded model: a float32 numpy batch in, the model's first output as numpy out.

Why one interface: evaluation, sensitivity scans and latency measurement don't care whether a model came
with a torch module or only as ONNX, so they take an :class:`Executor` and stay format-agnostic.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from studio.core.errors import StudioError

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


class Executor(Protocol):
    """Runs a batch: ``(N, ...) float32`` in, the first output ``(N, ...)`` out."""

    def __call__(self, x: np.ndarray) -> np.ndarray: ...


class TorchExecutor:
    """A torch module in eval mode under ``no_grad``, on the CPU, in float32."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.one_at_a_time = False
        # GraphModules from ExportedProgram.module() refuse eval(); they carry no train-mode state anyway.
        with contextlib.suppress(Exception):
            module.eval()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        batch = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        with torch.no_grad():
            if self.one_at_a_time and len(batch) > 1:
                return np.concatenate([self._run(batch[i : i + 1]) for i in range(len(batch))], axis=0)
            try:
                return self._run(batch)
            except Exception:
                # Exported programs are traced with a batch of one and guard on it: run sample by sample.
                if len(batch) <= 1:
                    raise
                self.one_at_a_time = True
                return np.concatenate([self._run(batch[i : i + 1]) for i in range(len(batch))], axis=0)

    def _run(self, batch: Any) -> np.ndarray:
        return first_output(self.module(batch)).detach().cpu().float().numpy()


class OnnxExecutor:
    """An onnxruntime session on the CPU; splits a batch when the model's batch dimension is fixed."""

    def __init__(self, session: Any) -> None:
        self.session = session
        first = session.get_inputs()[0]
        self.input_name = first.name
        batch = first.shape[0] if first.shape else None
        self.fixed_batch = batch if isinstance(batch, int) else None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if self.fixed_batch is None or x.shape[0] == self.fixed_batch:
            return np.asarray(self.session.run(None, {self.input_name: x})[0])
        step = self.fixed_batch
        parts = [self.session.run(None, {self.input_name: x[i : i + step]})[0] for i in range(0, len(x), step)]
        return np.concatenate(parts, axis=0)


def first_output(out: Any) -> Any:
    """The first tensor of a module's output (tuples, lists and dicts are common in exported models)."""
    while isinstance(out, (tuple, list)) and out:
        out = out[0]
    if isinstance(out, dict) and out:
        return first_output(next(iter(out.values())))
    return out


def onnx_session(model: LoadedModel, options: Any = None) -> Any:
    """An onnxruntime ``InferenceSession`` (CPUExecutionProvider) for ``model``.

    Raises :class:`StudioError` when the model has neither ``onnx_bytes`` nor a path, or onnxruntime
    rejects it.
    """
    import onnxruntime as ort

    source: Any = model.onnx_bytes if model.onnx_bytes is not None else model.path
    if source is None:
        raise StudioError(f"{model.display_name}: no torch module and no ONNX data to run")
    try:
        return ort.InferenceSession(
            source if isinstance(source, bytes) else str(source),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StudioError(f"{model.display_name}: onnxruntime cannot run this model: {first}") from err


def make_executor(model: LoadedModel) -> Executor:
    """The torch module when the model has one, else an onnxruntime session on its ONNX data.

    Raises :class:`StudioError` when there is nothing runnable.
    """
    if model.module is not None:
        return TorchExecutor(model.module)
    return OnnxExecutor(onnx_session(model))
