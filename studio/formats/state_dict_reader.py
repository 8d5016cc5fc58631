"""The state_dict reader: weights saved with ``torch.save(model.state_dict())`` plus an architecture.

Why only ``weights_only=True``: a pickle can run any code while loading. A state_dict needs nothing but
tensors and dicts, so anything else (a pickled ``nn.Module``, a custom class, a malicious ``__reduce__``) is
refused with advice on how to save a plain state_dict. There is no fallback to full unpickling, ever.

The architecture comes from the option ``arch`` (+ ``arch_kwargs``), else a sidecar ``<stem>.arch.json``
(``{"arch": name, "kwargs": {...}}``), else the one zoo entry whose keys and shapes match the file exactly.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studio.core.errors import ModelLoadError, StudioError, UnsafeModelError
from studio.formats.base import LoadedModel
from studio.formats.torch_archive import (
    PICKLE_MAGIC,
    SAFE_PICKLE_ADVICE,
    ZIP_MAGIC,
    archive_kind,
    is_weights_only_refusal,
    read_magic,
)

# Checkpoint dicts often wrap the weights under one of these keys.
_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "net", "weights")


def load_state_dict_file(path: Path) -> dict[str, Any]:
    """The tensors in ``path`` (``torch.load(..., weights_only=True)``), unwrapped from a checkpoint dict.

    Raises :class:`UnsafeModelError` when the file holds pickled objects, :class:`ModelLoadError` when it is
    corrupt or holds no tensors.
    """
    import torch

    try:
        with warnings.catch_warnings():
            # torch warns about pickle protocols its safe unpickler may not know; failures are reported below.
            warnings.simplefilter("ignore", UserWarning)
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        if is_weights_only_refusal(err, path):
            raise UnsafeModelError(f"refused: {path.name} holds pickled Python objects; {SAFE_PICKLE_ADVICE}") from err
        raise ModelLoadError(f"{path.name} is not a readable torch checkpoint (corrupt or truncated)") from err
    return _tensors_of(loaded, path.name)


def _tensors_of(loaded: Any, name: str) -> dict[str, Any]:
    import torch

    if isinstance(loaded, Mapping):
        for key in _WRAPPER_KEYS:
            inner = loaded.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                loaded = inner
                break
    if not isinstance(loaded, Mapping) or not loaded:
        raise ModelLoadError(f"{name} holds no state_dict (expected a dict of tensors, got {type(loaded).__name__})")
    tensors = {str(k): v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ModelLoadError(f"{name} holds no tensors")
    if all(k.startswith("module.") for k in tensors):  # saved from DataParallel
        tensors = {k[len("module.") :]: v for k, v in tensors.items()}
    return tensors


def _sidecar_arch(path: Path) -> tuple[str, dict[str, Any]] | None:
    sidecar = path.with_name(f"{path.stem}.arch.json")
    if not sidecar.is_file():
        return None
    try:
        spec = json.loads(sidecar.read_text(encoding="utf-8"))
        return str(spec["arch"]), dict(spec.get("kwargs") or {})
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelLoadError(f'{sidecar.name} is not valid: expected {{"arch": name, "kwargs": {{...}}}}') from err


def _signature(state: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in state.items()}


def matching_zoo_arch(tensors: Mapping[str, Any]) -> str | None:
    """The name of the single zoo architecture whose default build has exactly these keys and shapes."""
    import torch

    from studio.zoo import registry as zoo

    wanted = _signature(tensors)
    matches = []
    for name in zoo.names():
        try:
            with torch.device("meta"):  # shapes only: no memory, no weight init
                module = zoo.build(name)
        except Exception:  # an entry that needs arguments can't be matched blindly
            continue
        if _signature(module.state_dict()) == wanted:
            matches.append(name)
    return matches[0] if len(matches) == 1 else None


def _first_mismatch(module: Any, tensors: Mapping[str, Any]) -> str:
    expected = _signature(module.state_dict())
    got = _signature(tensors)
    for key in expected:
        if key not in got:
            return f"missing key {key!r}"
        if expected[key] != got[key]:
            return f"{key!r} has shape {list(got[key])}, the architecture expects {list(expected[key])}"
    extra = next((k for k in got if k not in expected), None)
    return f"unexpected key {extra!r}" if extra else "weights do not fit"


def build_module(arch: str, kwargs: dict[str, Any], tensors: Mapping[str, Any], name: str) -> Any:
    """Build zoo architecture ``arch`` and load ``tensors`` strictly; one-line ModelLoadError on mismatch."""
    from studio.zoo import registry as zoo

    try:
        module = zoo.build(arch, **kwargs)
    except StudioError as err:
        raise ModelLoadError(str(err)) from err
    except TypeError as err:
        raise ModelLoadError(f"cannot build architecture {arch!r} with {kwargs}: {err}") from err
    try:
        module.load_state_dict(dict(tensors), strict=True)
    except RuntimeError as err:
        raise ModelLoadError(f"{name} does not fit architecture {arch!r}: {_first_mismatch(module, tensors)}") from err
    return module.eval()


class StateDictReader:
    """``.pt``/``.pth``/``.bin`` files written by ``torch.save`` of a dict of tensors."""

    name = "state_dict"
    extensions = (".pt", ".pth", ".bin", ".ckpt")

    def match(self, path: Path) -> bool:
        """True for torch-save extensions that are a torch.save zip or a legacy pickle (not TorchScript)."""
        if path.suffix.lower() not in self.extensions:
            return False
        magic = read_magic(path, 4)
        if magic == ZIP_MAGIC:
            return archive_kind(path) in ("torch_save", None)
        return True  # legacy pickle, or junk: open() reports which

    def open(self, path: Path, **options: Any) -> LoadedModel:
        """Load the weights, pick the architecture, build the module and its graph.

        Options: ``arch``, ``arch_kwargs``, ``input_shape``. Raises ModelLoadError/UnsafeModelError.
        """
        import torch

        from studio.zoo import registry as zoo

        if read_magic(path, 1) not in (PICKLE_MAGIC, ZIP_MAGIC[:1]):
            raise ModelLoadError(f"{path.name} is not a torch checkpoint (neither a zip nor a pickle)")
        tensors = load_state_dict_file(path)
        arch = options.get("arch")
        kwargs = dict(options.get("arch_kwargs") or {})
        source = "option"
        if not arch:
            sidecar = _sidecar_arch(path)
            if sidecar is not None:
                (arch, kwargs), source = sidecar, "sidecar"
        if not arch:
            arch, source = matching_zoo_arch(tensors), "matched"
        if not arch:
            raise ModelLoadError(
                f"{path.name} holds weights only: choose an architecture (option arch; known: "
                f"{', '.join(zoo.names())}) or put a {path.stem}.arch.json next to it"
            )
        module = build_module(arch, kwargs, tensors, path.name)
        option_shape = options.get("input_shape")
        # Zoo shapes are (C, H, W) without the batch; LoadedModel.input_shape carries a batch of 1.
        shape = tuple(option_shape) if option_shape else (1, *zoo.get(arch).input_shape_for(**kwargs))
        from studio.formats.torch_graph import graph_from_module

        with torch.no_grad():
            graph = graph_from_module(module, torch.zeros(shape), path.stem)
        return LoadedModel(
            path=path,
            format="state_dict",
            graph=graph,
            input_shape=shape,
            module=module,
            metadata={"arch": arch, "arch_kwargs": kwargs, "arch_source": source},
        )
