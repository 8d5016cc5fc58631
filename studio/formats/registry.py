"""Which reader opens a file, and the one entry point the GUI, the CLI and jobs call: :func:`open_model`.

Why one entry point: callers must never see a traceback for a bad file. :func:`open_model` checks the path,
asks each reader's cheap ``match()`` (extension and magic bytes, so a ``.pt`` that is really TorchScript goes
to the TorchScript reader), and turns any failure into a one-line :class:`ModelLoadError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from studio.core.errors import ModelLoadError, StudioError
from studio.formats.base import LoadedModel, ModelReader

_EXTRA_READERS: list[ModelReader] = []


def _builtin_readers() -> list[ModelReader]:
    # Order matters: content-sniffing torch readers first, then the extension-only ones.
    from studio.formats.onnx_reader import OnnxReader
    from studio.formats.python_module_reader import PythonModuleReader
    from studio.formats.state_dict_reader import StateDictReader
    from studio.formats.torch_export_reader import TorchExportReader
    from studio.formats.torchscript_reader import TorchScriptReader

    return [TorchExportReader(), TorchScriptReader(), StateDictReader(), PythonModuleReader(), OnnxReader()]


def readers() -> list[ModelReader]:
    """Every reader, in the order :func:`open_model` tries them: plugin readers first, then the built-ins."""
    return [*_EXTRA_READERS, *_builtin_readers()]


def register_reader(reader: ModelReader) -> None:
    """Add a reader (a plugin's); it is tried before the built-ins, so it may claim an extension they know."""
    if reader not in _EXTRA_READERS:
        _EXTRA_READERS.insert(0, reader)


def supported_extensions() -> list[str]:
    """Lower-case extensions (with the dot) some reader accepts, sorted, for file dialogs and messages."""
    return sorted({ext.lower() for reader in readers() for ext in reader.extensions})


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_path(path: Path) -> None:
    if not path.exists():
        raise ModelLoadError(f"no such file: {path}")
    if path.is_dir():
        raise ModelLoadError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelLoadError(f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise ModelLoadError(f"cannot read {path.name}: permission denied")
    try:
        with path.open("rb"):
            pass
    except OSError as err:
        raise ModelLoadError(f"cannot read {path.name}: {err.strerror or err}") from err
    if path.stat().st_size == 0:
        raise ModelLoadError(f"{path.name} is empty (0 bytes)")


def reader_for(path: Path) -> ModelReader:
    """The first reader whose ``match`` accepts ``path``; raises :class:`ModelLoadError` when none does."""
    for reader in readers():
        try:
            if reader.match(path):
                return reader
        except Exception:  # a reader's sniffing bug must not hide the other readers
            continue
    suffix = path.suffix or "(no extension)"
    raise ModelLoadError(
        f"unsupported file type {suffix} for {path.name}; supported: {', '.join(supported_extensions())}"
    )


def open_model(path: str | Path, **options: Any) -> LoadedModel:
    """Open the model at ``path`` with the matching reader.

    ``options`` go to the reader (``input_shape``, ``arch``, ``arch_kwargs`` ...). Returns a
    :class:`LoadedModel`. Raises :class:`ModelLoadError` (or its subclass :class:`UnsafeModelError`) with a
    one-line message for every failure, including unexpected exceptions inside a reader.
    """
    path = Path(path).expanduser()
    _check_path(path)
    reader = reader_for(path)
    try:
        return reader.open(path, **options)
    except ModelLoadError as err:
        err.args = (_one_line(str(err)),)
        raise
    except StudioError as err:
        raise ModelLoadError(_one_line(str(err))) from err
    except (Exception, RecursionError, MemoryError) as err:
        reason = _one_line(str(err)) or type(err).__name__
        raise ModelLoadError(f"could not read {path.name}: {reason}") from err
