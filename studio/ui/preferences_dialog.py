"""Preferences: a form generated from the typed Preferences dataclass, validated before it is saved."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


def _label(name: str) -> str:
    return name.replace("_", " ").replace(" s", " (s)").capitalize()


class PreferencesDialog(QDialog):
    """One editor per field: bool -> check box, int/float -> spin box, Literal -> combo, str/None -> line edit.

    Why generated: a new preference needs only a field in the dataclass; the form, the file and the
    migration stay in one place.
    """

    def __init__(self, prefs: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._prefs = prefs
        self._editors: dict[str, tuple[QWidget, Any]] = {}
        form = QFormLayout()
        hints = typing.get_type_hints(type(prefs))
        for f in dataclasses.fields(prefs):
            if f.name.startswith("_") or f.name == "schema_version":
                continue
            hint = hints.get(f.name, type(getattr(prefs, f.name)))
            editor = self._editor_for(hint, getattr(prefs, f.name))
            if editor is None:
                continue
            tip = f.metadata.get("help", "") if f.metadata else ""
            if tip:
                editor.setToolTip(tip)
            self._editors[f.name] = (editor, hint)
            form.addRow(_label(f.name), editor)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.result_prefs: Any = None

    @staticmethod
    def _editor_for(hint: Any, value: Any) -> QWidget | None:
        origin = typing.get_origin(hint)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if hint is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if hint is int:
            spin = QSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setValue(int(value))
            return spin
        if hint is float:
            dspin = QDoubleSpinBox()
            dspin.setRange(0, 1e9)
            dspin.setValue(float(value))
            return dspin
        if origin is typing.Literal:
            combo = QComboBox()
            combo.addItems([str(a) for a in typing.get_args(hint)])
            combo.setCurrentText(str(value))
            return combo
        if hint is str or (args and all(a is str for a in args)):
            edit = QLineEdit("" if value is None else str(value))
            return edit
        return None

    def values(self) -> dict[str, Any]:
        """The edited values, typed like the dataclass fields (empty optional text -> None)."""
        out: dict[str, Any] = {}
        for name, (editor, hint) in self._editors.items():
            if isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                out[name] = editor.value()
            elif isinstance(editor, QComboBox):
                out[name] = editor.currentText()
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip()
                optional = type(None) in typing.get_args(hint)
                out[name] = None if (optional and not text) else text
        return out

    def _accept(self) -> None:
        try:
            self.result_prefs = dataclasses.replace(self._prefs, **self.values())
        except (TypeError, ValueError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()
