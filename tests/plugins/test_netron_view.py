"""NetronView renders a real model in an embedded Netron page (the consent cookie works), or falls back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shiboken6

pytest.importorskip("PySide6.QtWebEngineWidgets")

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from plugins.netron_viewer.view import NetronView
from tests.plugins.conftest import TINY_NODE_NAMES

SCREENSHOT = Path(os.environ.get("TINYML_NETRON_SCREENSHOT", "/tmp/netron_view.png"))
_NODE_IDS_JS = "Array.from(document.querySelectorAll('[id^=\"node-name-\"]')).map(e => e.id).join('\\n')"


@pytest.mark.slow
@pytest.mark.gui
def test_embedded_page_renders_model_nodes(qtbot, tiny_onnx_path: Path) -> None:
    view = NetronView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    assert not view.uses_system_browser, view.status_message

    with qtbot.waitSignal(view.pageLoaded, timeout=15_000) as loaded:
        url = view.show_file(tiny_onnx_path)
    assert loaded.args == [True]
    assert url.startswith("http://127.0.0.1:")

    seen: dict[str, str] = {}

    def rendered() -> bool:
        view.web_view.page().runJavaScript(_NODE_IDS_JS, 0, lambda result: seen.update(ids=result or ""))
        return all(f"node-name-{name}" in seen.get("ids", "") for name in TINY_NODE_NAMES)

    # Without the consent cookie the page stops at its cookie message and no node is ever drawn.
    qtbot.waitUntil(rendered, timeout=15_000)
    body: dict[str, str] = {}
    view.web_view.page().runJavaScript("document.body.innerText", 0, lambda r: body.update(text=r or ""))
    qtbot.waitUntil(lambda: "text" in body, timeout=5_000)
    assert "cookies" not in body["text"].lower()  # the consent message is not showing
    qtbot.wait(300)  # let the compositor paint the graph before grabbing
    assert view.grab().save(str(SCREENSHOT))

    view.close()
    assert view.url is None


class _UrlRecorder(QObject):
    """Receives the URLs QDesktopServices would hand to the system browser."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.mark.gui
def test_without_web_engine_opens_system_browser_and_says_so(qtbot, tiny_onnx_path: Path) -> None:
    recorder = _UrlRecorder()
    QDesktopServices.setUrlHandler("http", recorder, "open")
    try:
        view = NetronView(use_web_engine=False)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.statusChanged) as status:
            url = view.show_file(tiny_onnx_path)
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert view.uses_system_browser and view.web_view is None
    assert recorder.urls == [url]
    assert "system browser" in status.args[0] and url in status.args[0]
    view.close()
    assert view.url is None


@pytest.mark.gui
def test_deleting_the_view_stops_the_server(qtbot, tiny_onnx_path: Path) -> None:
    view = NetronView(use_web_engine=False)
    recorder = _UrlRecorder()  # must outlive the call: Qt keeps only a raw pointer to the handler
    QDesktopServices.setUrlHandler("http", recorder, "open")
    try:
        view.show_file(tiny_onnx_path)
    finally:
        QDesktopServices.unsetUrlHandler("http")
    server = view._server
    assert server.running
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=2_000)
    assert not server.running and server.url is None


@pytest.mark.gui
def test_page_may_only_reach_127_0_0_1(qtbot, tiny_onnx_path: Path) -> None:
    view = NetronView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.pageLoaded, timeout=15_000) as loaded:
        url = view.show_file(tiny_onnx_path)
    assert loaded.args == [True]
    # The same server under another host name is blocked by the view's request interceptor.
    other_host = url.replace("127.0.0.1", "localhost")
    with qtbot.waitSignal(view.web_view.loadFinished, timeout=15_000) as blocked:
        view.web_view.load(QUrl(other_host))
    assert blocked.args == [False]
    view.close()
