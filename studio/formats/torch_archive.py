"""Tell torch's file kinds apart by their contents, and check pickles inside them without running them.

Why: ``.pt`` may hold a state_dict (``torch.save``), a TorchScript archive (``torch.jit.save``) or even a
``torch.export`` archive; all three are zip files with different members. Reading the zip's member names
is cheap and runs no code, so :func:`archive_kind` lets the registry pick the right reader whatever the
extension.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Literal

from studio.core.errors import UnsafeModelError

ArchiveKind = Literal["torchscript", "export", "torch_save"]

ZIP_MAGIC = b"PK\x03\x04"
# torch.save's legacy (non-zip) format and any plain pickle start with the PROTO opcode.
PICKLE_MAGIC = b"\x80"

SAFE_PICKLE_ADVICE = (
    "the studio never unpickles arbitrary Python objects; save the weights instead with "
    "torch.save(model.state_dict(), path) and open that file with an architecture (option arch)"
)


def read_magic(path: Path, size: int = 4) -> bytes:
    """The first ``size`` bytes of ``path`` (fewer for a short file, empty when unreadable)."""
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def zip_members(path: Path) -> list[str]:
    """Member names of a zip file, or ``[]`` when ``path`` is not a readable zip."""
    if read_magic(path) != ZIP_MAGIC:
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def archive_kind(path: Path) -> ArchiveKind | None:
    """Which torch writer produced the zip at ``path``, or ``None`` for anything else."""
    members = zip_members(path)
    tails = {m.split("/", 1)[1] if "/" in m else m for m in members}
    if "archive_format" in tails or any(t.startswith("models/") and t.endswith(".json") for t in tails):
        return "export"
    if "constants.pkl" in tails or any(t.startswith("code/") for t in tails):
        return "torchscript"
    if "data.pkl" in tails:
        return "torch_save"
    return None


def _is_well_formed_pickle(data: bytes) -> bool:
    """True when ``data`` is a complete pickle stream (``pickletools`` only parses opcodes, runs nothing)."""
    import pickletools

    try:
        for opcode, _arg, _pos in pickletools.genops(data):
            if opcode.name == "STOP":
                return True
    except Exception:  # malformed stream: junk, not a pickle
        return False
    return False


def _main_pickle(path: Path) -> bytes:
    if read_magic(path) == ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as archive:
                name = next((m for m in archive.namelist() if m.endswith("data.pkl")), None)
                return archive.read(name) if name else b""
        except (zipfile.BadZipFile, OSError, KeyError):
            return b""
    try:
        return path.read_bytes()
    except OSError:
        return b""


def is_weights_only_refusal(err: BaseException, path: Path) -> bool:
    """True when ``torch.load(path, weights_only=True)`` failed because the pickle builds Python objects.

    Either torch says so (an unsupported global), or the file is a well-formed pickle torch's safe unpickler
    still refused (e.g. protocol 4 framing around a ``__reduce__``). Junk and truncated files are not unsafe,
    only corrupt.
    """
    text = str(err)
    if any(marker in text for marker in ("Unsupported global", "GLOBAL ", "Unsupported class", "was not an allowed")):
        return True
    return _is_well_formed_pickle(_main_pickle(path))


def check_pickle_bytes(data: bytes, member: str) -> None:
    """Load ``data`` with ``weights_only=True`` only to prove it holds plain tensors and containers.

    Raises :class:`UnsafeModelError` when it does not (whatever the reason: a pickle we can't prove safe is
    refused, since torch's own loaders would fall back to full unpickling).
    """
    import torch

    try:
        torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:
        raise UnsafeModelError(
            f"refused: archive member {member!r} holds a pickled Python object; {SAFE_PICKLE_ADVICE}"
        ) from err
