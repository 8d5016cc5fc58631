"""Serve one model file to Netron's web page, on the loopback interface only (Qt-free).

Why a wrapper around ``netron.start``: netron will bind any address it is given (and defaults to a browser
launch), while the studio must never expose a user's model on the network. :class:`NetronServer` pins the
host to ``127.0.0.1``, picks a free port, writes in-memory models to a temporary ``.onnx`` file first, and
owns the clean-up (server thread and temporary file) in :meth:`NetronServer.stop`.

netron serves the model's whole folder under ``/data/`` (the page fetches side files, e.g. ONNX external
data, from there); that is why the loopback-only binding matters.

netron 9.3.3 stamps its build date (2026-10-23) into the page; about 180 days later the page only shows
"Please update". Nothing to do until then; upgrading the ``netron`` pin is the fix.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel

LOOPBACK_HOST = "127.0.0.1"
_STOP_TIMEOUT_S = 2.0

# File suffixes Netron's page can open that the studio can hand it (lower case, with the dot).
NETRON_SUFFIXES: frozenset[str] = frozenset(
    {
        ".onnx",
        ".ort",
        ".pt",
        ".pth",
        ".pt2",
        ".ptl",
        ".torchscript",
        ".tflite",
        ".pb",
        ".h5",
        ".keras",
        ".safetensors",
    }
)


class NetronUnsupportedError(ValueError):
    """The model cannot be shown in Netron (no file Netron understands and no ONNX bytes to write)."""


def netron_can_read(path: Path) -> bool:
    """True when Netron's page understands files with ``path``'s suffix."""
    return path.suffix.lower() in NETRON_SUFFIXES


class NetronServer:
    """One Netron HTTP server for one model, bound to 127.0.0.1.

    Use :meth:`start` (a file) or :meth:`start_model` (a :class:`LoadedModel`, possibly in memory), read
    :attr:`url`, and call :meth:`stop` when the view closes. Also a context manager.
    """

    def __init__(self, host: str = LOOPBACK_HOST) -> None:
        if host != LOOPBACK_HOST:
            raise ValueError(f"Netron is served on {LOOPBACK_HOST} only, not on {host!r}")
        self._host = host
        self._address: tuple[str, int] | None = None
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def address(self) -> tuple[str, int] | None:
        """``(host, port)`` while serving, else ``None``."""
        return self._address

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:<port>`` while serving, else ``None``."""
        if self._address is None:
            return None
        return f"http://{self._address[0]}:{self._address[1]}"

    @property
    def running(self) -> bool:
        """True while netron's server thread for our address is alive."""
        if self._address is None:
            return False
        import netron

        return bool(netron.status(self._address))

    def start(self, model_path: str | Path) -> str:
        """Serve ``model_path`` and return the page's URL (stops a previous model first).

        Raises ``FileNotFoundError`` when the file does not exist.
        """
        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"No such model file: {path}")
        self.stop()
        return self._serve(path)

    def _serve(self, path: Path) -> str:
        import netron

        with _quiet_netron_logging():
            host, port = netron.start(str(path), address=(self._host, 0), browse=False)
        if host != LOOPBACK_HOST:  # netron echoes our host; refuse anything else
            netron.stop((host, port))
            raise RuntimeError(f"netron bound {host}, expected {LOOPBACK_HOST}")
        self._address = (host, int(port))
        return str(self.url)

    def start_model(self, model: LoadedModel) -> str:
        """Serve a loaded model: its file when Netron reads that format, else its ONNX bytes via a temp file.

        Raises :class:`NetronUnsupportedError` when neither is available.
        """
        if model.path is not None and netron_can_read(model.path) and model.path.is_file():
            return self.start(model.path)
        if model.onnx_bytes:
            self.stop()
            self._temp_dir = tempfile.TemporaryDirectory(prefix="tinyml-netron-")
            stem = model.path.stem if model.path is not None else (model.graph.name or "model")
            temp_file = Path(self._temp_dir.name) / f"{_safe_stem(stem)}.onnx"
            temp_file.write_bytes(model.onnx_bytes)
            return self._serve(temp_file)
        fmt = model.format or (model.path.suffix if model.path else "in-memory")
        raise NetronUnsupportedError(f"Netron cannot read {fmt} files")

    def stop(self) -> None:
        """Stop serving (frees the port) and delete any temporary model file. Safe to call twice."""
        if self._address is not None:
            import netron

            netron.stop(self._address)
            # netron closes the socket but does not join its thread; the kernel keeps the port listening
            # until that thread's select() returns (<= 0.25 s), so wait for it to really free the port.
            deadline = time.monotonic() + _STOP_TIMEOUT_S
            while netron.status(self._address) and time.monotonic() < deadline:
                time.sleep(0.01)
            self._address = None
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> NetronServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _safe_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return cleaned or "model"


@contextmanager
def _quiet_netron_logging() -> Iterator[None]:
    """Keep ``netron.serve`` from calling ``logging.basicConfig`` on the studio's root logger.

    netron configures INFO logging on the root logger when it finds no handler there, which would make every
    library's INFO messages appear on the studio's console. A temporary NullHandler prevents that.
    """
    root = logging.getLogger()
    handler = None if root.hasHandlers() else logging.NullHandler()
    if handler is not None:
        root.addHandler(handler)
    try:
        yield
    finally:
        if handler is not None:
            root.removeHandler(handler)
