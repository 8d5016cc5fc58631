"""The ``torch.export`` reader: ``.pt2`` archives -> graph (via ``graph_from_exported_program``) and module.

Why a pre-scan: ``torch.export.load`` unpickles some members with ``weights_only=False`` (pickled weights,
"opaque" constants, sample inputs after a failed safe load) and may load compiled AOTInductor libraries.
Before calling it we read the zip and prove every member it would unpickle is a plain tensor pickle, and
refuse archives carrying native code.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from studio.core.errors import ModelLoadError, UnsafeModelError
from studio.formats.base import LoadedModel
from studio.formats.torch_archive import ZIP_MAGIC, archive_kind, check_pickle_bytes, read_magic

_PAYLOAD_DIRS = ("data/weights/", "data/constants/", "data/sample_inputs/")


def _tail(member: str) -> str:
    # Every member sits under the archive's root folder ("model/...").
    return member.split("/", 1)[1] if "/" in member else member


def _raw_payloads(archive: zipfile.ZipFile, members: list[str]) -> set[str]:
    """Members listed in the weights/constants configs as raw tensor bytes (``use_pickle`` false)."""
    raw: set[str] = set()
    for member in members:
        tail = _tail(member)
        if not (tail.startswith(("data/weights/", "data/constants/")) and tail.endswith("_config.json")):
            continue
        try:
            config = json.loads(archive.read(member)).get("config", {})
        except (ValueError, AttributeError) as err:
            raise ModelLoadError(f"corrupt torch.export archive: bad {tail}") from err
        folder = str(PurePosixPath(member).parent)
        for entry in config.values():
            if isinstance(entry, dict) and not entry.get("use_pickle", True) and entry.get("path_name"):
                raw.add(f"{folder}/{entry['path_name']}")
    return raw


def check_export_archive(path: Path) -> None:
    """Refuse a ``.pt2`` whose loading could run code; raises :class:`UnsafeModelError` or ModelLoadError."""
    if read_magic(path) != ZIP_MAGIC:
        raise ModelLoadError(f"{path.name} is not a torch.export archive (not a zip file)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            raw = _raw_payloads(archive, members)
            for member in members:
                tail = _tail(member)
                if tail.startswith("data/aotinductor/") or member.endswith((".so", ".dll", ".dylib")):
                    raise UnsafeModelError(
                        f"refused: {path.name} contains compiled native code ({tail}); "
                        "the studio opens only plain torch.export programs"
                    )
                if member in raw or member.endswith(("/", ".json")):
                    continue
                pickled = tail.startswith(_PAYLOAD_DIRS) or member.endswith((".pkl", ".pt"))
                if pickled:
                    check_pickle_bytes(archive.read(member), tail)
    except zipfile.BadZipFile as err:
        raise ModelLoadError(f"{path.name} is a corrupt or truncated zip archive") from err


def _example_input_shape(program: Any) -> tuple[int, ...] | None:
    """Shape of the first example input saved with the program, if there is one."""
    examples = getattr(program, "example_inputs", None)
    try:
        first = examples[0][0]
        return tuple(int(d) for d in first.shape)
    except (TypeError, IndexError, AttributeError, ValueError):
        return None


class TorchExportReader:
    """``torch.export.save`` archives (``.pt2``, or any zip with an export layout)."""

    name = "torch.export"
    extensions = (".pt2",)

    def match(self, path: Path) -> bool:
        """True for ``.pt2`` files and for zips laid out like a torch.export archive."""
        return path.suffix.lower() in self.extensions or archive_kind(path) == "export"

    def open(self, path: Path, **options: Any) -> LoadedModel:
        """Load the ExportedProgram; ``module`` is ``ep.module()``. Raises ModelLoadError/UnsafeModelError."""
        import torch

        check_export_archive(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                program = torch.export.load(str(path))
            except Exception as err:
                first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise ModelLoadError(f"{path.name} is not a readable torch.export archive: {first}") from err
        from studio.formats.torch_graph import graph_from_exported_program

        graph = graph_from_exported_program(program, path.stem)
        module = program.module()
        input_shape = graph.tensor(graph.inputs[0]).known_shape if graph.inputs else None
        if input_shape is None:
            input_shape = _example_input_shape(program)
        return LoadedModel(
            path=path,
            format="pt2",
            graph=graph,
            input_shape=input_shape,
            module=module,
            metadata={"exported_program": program},
        )
