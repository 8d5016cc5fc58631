"""First-party plugin: "Open in Netron" for the loaded model.

Registered through the ``tinyml_studio.plugins`` entry point (``netron = "plugins.netron_viewer:register"``),
like any third-party plugin; the studio never imports this package. This module stays Qt-free so the CLI can
load plugins without Qt: the window code (``view.py``) is imported only when the action runs.

Netron is served by :mod:`plugins.netron_viewer.server` on 127.0.0.1 only. Running as root, Qt WebEngine
needs ``QTWEBENGINE_DISABLE_SANDBOX=1`` in the environment before the QApplication starts (the studio's
composition root sets it); see :mod:`plugins.netron_viewer.view`.
"""

from __future__ import annotations

from typing import Any

from plugins.netron_viewer.server import netron_can_read

ACTION_ID = "netron.open"

# Open dialogs, kept alive here when the action has no parent widget to own them.
_open_dialogs: list[Any] = []


def register(registry: Any) -> None:
    """Entry point: add the "Open in Netron" model action to the studio's plugin registry."""
    from studio.core.plugins import PluginAction

    registry.add_model_action(
        PluginAction(
            id=ACTION_ID,
            title="Open in Netron",
            tip="Show the model in Netron's viewer, served on 127.0.0.1 only",
            shortcut="Ctrl+Shift+N",
            run=open_in_netron,
        )
    )


def netron_refusal(model: Any) -> str | None:
    """Why Netron cannot show ``model`` (one line), or ``None`` when it can."""
    if model is None:
        return "Open a model first"
    if model.path is not None and netron_can_read(model.path):
        return None
    if getattr(model, "onnx_bytes", None):
        return None
    fmt = model.format or (model.path.suffix.lstrip(".") if model.path is not None else "in-memory")
    return f"Netron cannot read {fmt} files"


def open_in_netron(ctx: Any) -> Any:
    """Run the action: open a non-modal Netron window for ``ctx.model`` and return it.

    Reports (through ``ctx.report_error``) instead of raising when there is no model or Netron cannot read
    its format; returns ``None`` then.
    """
    refusal = netron_refusal(ctx.model)
    if refusal is not None:
        ctx.report_error(refusal)
        return None

    from plugins.netron_viewer.view import NetronDialog

    dialog = NetronDialog(ctx.parent)
    status_bar = getattr(ctx.parent, "statusBar", None)
    if callable(status_bar):
        dialog.view.statusChanged.connect(lambda message: status_bar().showMessage(message, 10_000))
    try:
        dialog.show_model(ctx.model)
    except (OSError, ValueError) as err:  # missing file, NetronUnsupportedError
        dialog.deleteLater()
        ctx.report_error(f"Cannot open in Netron: {err}")
        return None
    _open_dialogs.append(dialog)
    dialog.finished.connect(lambda _result: _forget(dialog))
    dialog.show()
    return dialog


def _forget(dialog: Any) -> None:
    if dialog in _open_dialogs:
        _open_dialogs.remove(dialog)
    dialog.deleteLater()
