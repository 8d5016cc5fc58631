"""NetronServer serves a real ONNX file over HTTP on 127.0.0.1 only, and frees its port on stop()."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from plugins.netron_viewer.server import NetronServer, NetronUnsupportedError, netron_can_read
from studio.formats.base import LoadedModel
from studio.graph.ir import Graph
from tests.plugins.conftest import make_tiny_onnx_bytes


def _listening_hosts(port: int) -> set[str]:
    """IPv4 addresses with a LISTEN socket on ``port``, from /proc/net/tcp (Linux)."""
    hosts: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        hex_ip, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            ip_bytes = bytes.fromhex(hex_ip)[::-1]  # little-endian on x86/arm
            hosts.add(socket.inet_ntoa(ip_bytes))
    return hosts


def _get(url: str) -> tuple[int, str]:
    # Loopback only: bypass any proxy settings in the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_serves_model_page_on_loopback_and_stop_frees_port(tiny_onnx_path: Path) -> None:
    server = NetronServer()
    url = server.start(tiny_onnx_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        port = server.address[1]
        assert server.running
        status, body = _get(url)
        assert status == 200
        assert "<html" in body.lower()
        # the model bytes themselves are served from the same origin
        status, _ = _get(url + "/data/" + tiny_onnx_path.name)
        assert status == 200
        if Path("/proc/net/tcp").exists():
            assert _listening_hosts(port) == {"127.0.0.1"}
    finally:
        server.stop()
    assert server.url is None and not server.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))  # raises if the server still held the port
    finally:
        probe.close()


def test_refuses_any_address_but_loopback() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        NetronServer(host="0.0.0.0")


def test_in_memory_model_is_written_to_a_temp_onnx_file_and_removed_on_stop() -> None:
    graph = Graph(name="mem model", nodes=[], tensors={}, inputs=[], outputs=[])
    model = LoadedModel(path=None, format="onnx", graph=graph, onnx_bytes=make_tiny_onnx_bytes())
    with NetronServer() as server:
        url = server.start_model(model)
        status, _ = _get(url)
        assert status == 200
        temp_dir = Path(server._temp_dir.name)
        served = list(temp_dir.glob("*.onnx"))
        assert [p.name for p in served] == ["mem_model.onnx"]
        assert served[0].read_bytes() == model.onnx_bytes
    assert not temp_dir.exists()


def test_model_without_file_or_onnx_bytes_is_rejected_with_format_name(tmp_path: Path) -> None:
    graph = Graph(name="g", nodes=[], tensors={}, inputs=[], outputs=[])
    model = LoadedModel(path=tmp_path / "net.py", format="python", graph=graph)
    with pytest.raises(NetronUnsupportedError, match="Netron cannot read python files"):
        NetronServer().start_model(model)
    assert netron_can_read(Path("a.ONNX")) and not netron_can_read(Path("a.py"))


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        NetronServer().start(tmp_path / "absent.onnx")
