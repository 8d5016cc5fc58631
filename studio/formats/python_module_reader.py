"""The Python reader: a ``.py`` file that defines an ``nn.Module``.

Executing the file is the point (the user chose it, as they would run it themselves). It is imported under
a fresh module name so two files called ``model.py`` don't collide, and any error raised inside it is
reported as one line pointing at the user's own file and line, not as a traceback into the studio.

The model comes from a top-level ``build_model()``, ``model()`` or ``create_model()`` function, else from
the single ``nn.Module`` subclass defined in the file that builds with no arguments. The input shape comes
from the option ``input_shape``, else ``INPUT_SHAPE``, else ``example_input()`` in the file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from studio.core.errors import ModelLoadError
from studio.formats.base import LoadedModel

_BUILDER_NAMES = ("build_model", "model", "create_model")
_counter = itertools.count()


class UserCodeError(ModelLoadError):
    """An exception raised by the user's own Python file, located at its file and line."""


def _user_error(err: BaseException, path: Path) -> UserCodeError:
    """``error in <file>:<line>: <message>`` for the innermost frame inside the user's file."""
    resolved = str(path.resolve())
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename in (str(path), resolved):
            line = frame.lineno
    if isinstance(err, SyntaxError) and err.filename in (str(path), resolved):
        line = err.lineno
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    where = f"{path.name}:{line}" if line is not None else path.name
    return UserCodeError(f"error in {where}: {text}")


def import_user_file(path: Path) -> ModuleType:
    """Execute ``path`` as a fresh module; raises :class:`UserCodeError` for anything it raises."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    module_name = f"_tinyml_user_model_{digest}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"cannot import {path.name} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look classes up here
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:
        sys.modules.pop(module_name, None)
        raise _user_error(err, path) from err
    return module


def _call_user(fn: Any, path: Path) -> Any:
    try:
        return fn()
    except (Exception, SystemExit) as err:
        raise _user_error(err, path) from err


def find_model(user: ModuleType, path: Path) -> tuple[Any, str]:
    """The ``nn.Module`` the file defines, and how it was found (``build_model()`` or the class name)."""
    import torch

    for name in _BUILDER_NAMES:
        fn = getattr(user, name, None)
        if callable(fn) and not inspect.isclass(fn):
            built = _call_user(fn, path)
            if not isinstance(built, torch.nn.Module):
                raise ModelLoadError(f"{path.name}: {name}() returned {type(built).__name__}, not an nn.Module")
            return built, f"{name}()"
    classes = [
        obj
        for obj in vars(user).values()
        if inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and obj.__module__ == user.__name__
    ]
    buildable = []
    for cls in classes:
        try:
            buildable.append((cls(), cls.__name__))
        except TypeError:
            continue  # needs arguments
        except Exception as err:
            raise _user_error(err, path) from err
    if len(buildable) == 1:
        return buildable[0]
    if not buildable:
        raise ModelLoadError(
            f"{path.name} defines no nn.Module buildable without arguments; add a build_model() function"
        )
    names = ", ".join(n for _, n in buildable)
    raise ModelLoadError(f"{path.name} defines several nn.Modules ({names}); add a build_model() function")


def find_input_shape(user: ModuleType, path: Path, option: Any) -> tuple[int, ...]:
    """Input shape (batch included): option, else ``INPUT_SHAPE``, else ``example_input().shape``."""
    if option is not None:
        return tuple(int(d) for d in option)
    declared = getattr(user, "INPUT_SHAPE", None)
    if declared is not None:
        try:
            return tuple(int(d) for d in declared)
        except (TypeError, ValueError) as err:
            raise ModelLoadError(f"{path.name}: INPUT_SHAPE must be a tuple of ints, got {declared!r}") from err
    example = getattr(user, "example_input", None)
    if callable(example):
        value = _call_user(example, path)
        shape = getattr(value, "shape", None)
        if shape is not None:
            return tuple(int(d) for d in shape)
        raise ModelLoadError(f"{path.name}: example_input() returned {type(value).__name__}, not a tensor")
    raise ModelLoadError(
        f"cannot tell the input shape of {path.name}: define INPUT_SHAPE = (1, C, H, W) or example_input() "
        "in the file, or pass the option input_shape"
    )


class PythonModuleReader:
    """Python source files defining a torch model (the file is executed)."""

    name = "python"
    extensions = (".py",)

    def match(self, path: Path) -> bool:
        """True for ``.py`` files."""
        return path.suffix.lower() in self.extensions

    def open(self, path: Path, **options: Any) -> LoadedModel:
        """Import the file, build the model, trace its graph. Raises :class:`ModelLoadError` (one line)."""
        import torch

        user = import_user_file(path)
        module, found_by = find_model(user, path)
        shape = find_input_shape(user, path, options.get("input_shape"))
        module.eval()
        from studio.formats.torch_graph import graph_from_module

        try:
            with torch.no_grad():
                graph = graph_from_module(module, torch.zeros(shape), path.stem)
        except ModelLoadError:
            raise
        except Exception as err:
            located = _user_error(err, path)
            if "error in " + path.name + ":" in str(located):
                raise located from err
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ModelLoadError(f"cannot trace the model in {path.name} with input {shape}: {first}") from err
        return LoadedModel(
            path=path,
            format="python",
            graph=graph,
            input_shape=shape,
            module=module,
            metadata={"found_by": found_by},
        )
