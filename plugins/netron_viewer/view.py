"""Netron's page inside the studio (Qt WebEngine), or in the system browser when WebEngine is missing.

Three things make the embedded page work offline and keep it private:

* **Consent cookie.** Offline, Netron's page asks for cookie consent in a modal message and never draws the
  model until it is accepted. :class:`NetronView` puts a cookie named ``consent`` for ``127.0.0.1`` into the
  page's (private, off-the-record) profile *before* loading, so the page skips the question.
* **Loopback only.** A request interceptor blocks every http(s)/ws request that is not for 127.0.0.1, so
  Netron's page never reaches ipinfo.io or its analytics endpoint with the user's model open.
* **Sandbox as root.** Chromium refuses to run as root with its sandbox on, and it takes the whole studio
  process down with it. The composition root (``studio/app.py``) and ``tests/conftest.py`` set
  ``QTWEBENGINE_DISABLE_SANDBOX=1`` before the QApplication starts when running as root. As a safety net
  :func:`allow_chromium_as_root` sets it here too: Chromium reads it when the first web view is created,
  which is still in time (checked with PySide6 6.12).

If ``PySide6.QtWebEngineWidgets`` cannot be imported or the view cannot be created (a stripped PySide6, no
GPU/GL stack), the model is opened in the system browser with ``QDesktopServices.openUrl`` instead and the
status message says so. The server keeps serving until the view is closed.

netron 9.3.3 shows "Please update" forever about 180 days after its build date (2026-10-23): nothing to
do before then; bump the netron pin when it comes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtNetwork import QNetworkCookie
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from plugins.netron_viewer.server import LOOPBACK_HOST, NetronServer

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel

CONSENT_COOKIE = b"consent"


def _load_web_engine() -> tuple[Any, Any, Any, Any]:
    """Import the WebEngine classes lazily; raises ImportError where PySide6 ships without them."""
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineUrlRequestInterceptor,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView

    return QWebEngineView, QWebEngineProfile, QWebEnginePage, QWebEngineUrlRequestInterceptor


def allow_chromium_as_root() -> None:
    """Disable Chromium's sandbox when running as root (it would exit the process otherwise)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def make_consent_cookie() -> QNetworkCookie:
    """The cookie Netron's page looks for before it shows its consent message (valid 30 days)."""
    cookie = QNetworkCookie(CONSENT_COOKIE, str(int(time.time() * 1000)).encode())
    cookie.setDomain(LOOPBACK_HOST)
    cookie.setPath("/")
    cookie.setExpirationDate(QDateTime.currentDateTime().addDays(30))
    return cookie


def _loopback_interceptor_class(base: type) -> type:
    class LoopbackOnlyInterceptor(base):  # type: ignore[misc, valid-type]
        """Blocks any network request of the page that does not go to 127.0.0.1."""

        def interceptRequest(self, info: Any) -> None:
            url = info.requestUrl()
            if url.scheme() in ("http", "https", "ws", "wss") and url.host() != LOOPBACK_HOST:
                info.block(True)

    return LoopbackOnlyInterceptor


class NetronView(QWidget):
    """Shows one model in Netron: serves it on 127.0.0.1 and displays the page.

    Signals: ``statusChanged(str)`` with a one-line status for a status bar; ``pageLoaded(bool)`` when the
    embedded page finished loading (never emitted in system-browser mode).
    """

    statusChanged = Signal(str)
    pageLoaded = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, use_web_engine: bool = True) -> None:
        super().__init__(parent)
        self._server = NetronServer()
        # Widgets owned by a parent can be deleted without a closeEvent; never leave the port serving.
        self.destroyed.connect(self._server.stop)
        self._status = ""
        self._web_view: Any = None
        self._profile: Any = None
        self._fallback_reason = "" if use_web_engine else "embedded view disabled"
        self._message = QLabel(self)
        self._message.setWordWrap(True)
        self._message.setOpenExternalLinks(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._message)
        if use_web_engine:
            self._create_web_view(layout)
        self._message.setVisible(self._web_view is None)

    def _create_web_view(self, layout: QVBoxLayout) -> None:
        try:
            view_cls, profile_cls, page_cls, interceptor_base = _load_web_engine()
            allow_chromium_as_root()
            # Creation order matters for teardown: children die in creation order and a page must die
            # before its profile, so the view (owning the page) comes first.
            web_view = view_cls(self)
            profile = profile_cls(self)  # no storage name: off-the-record, nothing persists on disk
            self._interceptor = _loopback_interceptor_class(interceptor_base)(profile)
            profile.setUrlRequestInterceptor(self._interceptor)
            web_view.setPage(page_cls(profile, web_view))
        except Exception as err:  # ImportError, or Chromium failing to start
            self._fallback_reason = f"Qt WebEngine unavailable ({type(err).__name__}: {err})"
            return
        web_view.loadFinished.connect(self._on_load_finished)
        layout.addWidget(web_view, 1)
        self._web_view, self._profile = web_view, profile

    # -- public API -------------------------------------------------------------------------------------

    @property
    def url(self) -> str | None:
        """The page's URL on 127.0.0.1 while serving, else ``None``."""
        return self._server.url

    @property
    def status_message(self) -> str:
        """The last status line (also emitted as ``statusChanged``)."""
        return self._status

    @property
    def uses_system_browser(self) -> bool:
        """True when the model was (or will be) shown in the system browser instead of embedded."""
        return self._web_view is None

    @property
    def web_view(self) -> Any:
        """The embedded ``QWebEngineView``, or ``None`` in system-browser mode."""
        return self._web_view

    def show_model(self, model: LoadedModel) -> str:
        """Serve ``model`` (its file, or its ONNX bytes via a temp file) and show it; returns the URL.

        Raises :class:`plugins.netron_viewer.server.NetronUnsupportedError` for formats Netron cannot read.
        """
        return self._show(self._server.start_model(model), model.display_name)

    def show_file(self, path: str | Path) -> str:
        """Serve a model file and show it; returns the URL. Raises ``FileNotFoundError``."""
        return self._show(self._server.start(path), Path(path).name)

    def stop(self) -> None:
        """Stop serving (the page goes blank on its next request). Called when the view closes."""
        self._server.stop()

    # -- internals --------------------------------------------------------------------------------------

    def _show(self, url: str, name: str) -> str:
        if self._web_view is not None:
            self._profile.cookieStore().setCookie(make_consent_cookie(), QUrl(url))
            self._web_view.load(QUrl(url))
            self._set_status(f"Netron: loading {name} from {url}")
        else:
            QDesktopServices.openUrl(QUrl(url))
            self._message.setText(
                f"{self._fallback_reason}.<br>Netron is showing <b>{name}</b> in your web browser at "
                f'<a href="{url}">{url}</a>.<br>Close this window to stop serving it.'
            )
            self._set_status(f"{self._fallback_reason}; opened {name} in the system browser at {url}")
        return url

    def _on_load_finished(self, ok: bool) -> None:
        self._set_status("Netron: page loaded" if ok else "Netron: the page failed to load")
        self.pageLoaded.emit(ok)

    def _set_status(self, message: str) -> None:
        self._status = message
        self.statusChanged.emit(message)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)


class NetronDialog(QDialog):
    """A non-modal window holding a :class:`NetronView`; closing it stops the server."""

    def __init__(self, parent: QWidget | None = None, *, use_web_engine: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle("Netron")
        self.resize(1100, 750)
        self.view = NetronView(self, use_web_engine=use_web_engine)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.finished.connect(lambda _result: self.view.stop())

    def show_model(self, model: LoadedModel) -> str:
        """Show ``model`` and title the window after it; see :meth:`NetronView.show_model`."""
        url = self.view.show_model(model)
        self.setWindowTitle(f"Netron — {model.display_name}")
        return url
