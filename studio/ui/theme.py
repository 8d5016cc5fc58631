"""Light and dark themes: Fusion style with a palette, plus a few colours other widgets read."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


@dataclass(frozen=True)
class ThemeColors:
    """Colours shared by custom-drawn widgets (bars in the layer table, badges) so they follow the theme."""

    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    accent: str
    bar: str
    error: str


LIGHT = ThemeColors("#f4f5f7", "#ffffff", "#f0f2f5", "#1d2330", "#6b7280", "#2563eb", "#93c5fd", "#b91c1c")
DARK = ThemeColors("#1f2329", "#16191d", "#1c2026", "#e6e8eb", "#9aa3ae", "#60a5fa", "#1e4f8f", "#f87171")

_current = LIGHT


def current_colors() -> ThemeColors:
    """Colours of the theme applied last."""
    return _current


def resolve_theme(name: str) -> str:
    """Map ``"system"`` to light or dark from the platform's colour scheme."""
    if name != "system":
        return name
    app = QApplication.instance()
    hints = app.styleHints() if isinstance(app, QApplication) else None
    if hints is not None:
        from PySide6.QtCore import Qt

        if hints.colorScheme() == Qt.ColorScheme.Dark:
            return "dark"
    return "light"


def apply_theme(app: QApplication, name: str) -> str:
    """Apply ``light``, ``dark`` or ``system`` to the whole application; returns the theme applied."""
    global _current
    resolved = resolve_theme(name)
    colors = DARK if resolved == "dark" else LIGHT
    _current = colors
    app.setStyle(QStyleFactory.create("Fusion"))
    pal = QPalette()
    role = QPalette.ColorRole
    pal.setColor(role.Window, QColor(colors.window))
    pal.setColor(role.WindowText, QColor(colors.text))
    pal.setColor(role.Base, QColor(colors.base))
    pal.setColor(role.AlternateBase, QColor(colors.alt_base))
    pal.setColor(role.Text, QColor(colors.text))
    pal.setColor(role.Button, QColor(colors.window))
    pal.setColor(role.ButtonText, QColor(colors.text))
    pal.setColor(role.ToolTipBase, QColor(colors.base))
    pal.setColor(role.ToolTipText, QColor(colors.text))
    pal.setColor(role.Highlight, QColor(colors.accent))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.PlaceholderText, QColor(colors.muted))
    pal.setColor(role.Link, QColor(colors.accent))
    for group in (QPalette.ColorGroup.Disabled,):
        pal.setColor(group, role.Text, QColor(colors.muted))
        pal.setColor(group, role.ButtonText, QColor(colors.muted))
        pal.setColor(group, role.WindowText, QColor(colors.muted))
    app.setPalette(pal)
    app.setStyleSheet(_sidebar_style(colors))
    app.setProperty("studioTheme", resolved)
    return resolved


def _sidebar_style(colors: ThemeColors) -> str:
    # The stage sidebar reads as navigation (like Edge Impulse's or VS Code's), not as a list of data.
    return f"""
    QListWidget#stage-sidebar {{
        background: {colors.alt_base}; border: none; border-right: 1px solid {colors.muted}40;
        font-size: 10.5pt; padding-top: 6px; outline: 0;
    }}
    QListWidget#stage-sidebar::item {{
        padding-left: 12px; border-left: 3px solid transparent; color: {colors.text};
    }}
    QListWidget#stage-sidebar::item:hover {{ background: {colors.base}; }}
    QListWidget#stage-sidebar::item:selected {{
        background: {colors.base}; color: {colors.accent}; border-left: 3px solid {colors.accent};
        font-weight: bold;
    }}
    """
