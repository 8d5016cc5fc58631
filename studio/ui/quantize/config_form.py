"""A form generated from a method's frozen config dataclass: one widget per field (spin box, check box, combo).

Why generated: a new config field shows up in the GUI without GUI code, and the form's values are exactly the
dict a recipe step and the CLI pass (``values()``), checked by the same ``config_from_dict``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

#: field -> (minimum, maximum, step) for numeric fields; fields not listed get generous defaults
RANGES: dict[str, tuple[float, float, float]] = {
    "weight_bits": (2, 8, 1),
    "bits": (2, 8, 1),
    "activation_bits": (8, 8, 1),
    "percentile": (90.0, 100.0, 0.01),
    "calibration_samples": (1, 10_000, 64),
    "fine_tune_epochs": (0, 100, 1),
    "epochs": (1, 100, 1),
    "iterations": (1, 500, 10),
    "learning_rate": (1e-6, 1.0, 1e-4),
    "batch_size": (1, 4096, 16),
}


def field_label(name: str) -> str:
    """``weight_bits`` -> ``Weight bits``."""
    return name.replace("_", " ").capitalize()


class ConfigForm(QWidget):
    """Widgets for the fields of ``config_cls`` except ``hidden``; ``choices`` turns a str field into a combo.

    Signal ``changed()`` on any edit. ``values()`` returns ``{field: value}`` for the shown fields.
    """

    changed = Signal()

    def __init__(
        self,
        config_cls: type,
        choices: Mapping[str, Sequence[str]] | None = None,
        hidden: set[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.config_cls = config_cls
        self.widgets: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        defaults = config_cls()
        for f in dataclasses.fields(config_cls):
            if f.name in (hidden or set()):
                continue
            widget = self._widget_for(f.name, getattr(defaults, f.name), (choices or {}).get(f.name))
            if widget is None:
                continue
            widget.setObjectName(f"field_{f.name}")
            self.widgets[f.name] = widget
            layout.addRow(field_label(f.name), widget)

    def _widget_for(self, name: str, default: Any, options: Sequence[str] | None) -> QWidget | None:
        if options is not None:
            combo = QComboBox()
            combo.addItems(list(options))
            combo.setCurrentText(str(default))
            combo.currentTextChanged.connect(lambda _t: self.changed.emit())
            return combo
        if isinstance(default, bool):
            box = QCheckBox()
            box.setChecked(default)
            box.toggled.connect(lambda _v: self.changed.emit())
            return box
        lo, hi, step = RANGES.get(name, (0, 1_000_000, 1))
        if isinstance(default, int):
            spin = QSpinBox()
            spin.setRange(int(lo), int(hi))
            spin.setSingleStep(int(step))
            spin.setValue(default)
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            return spin
        if isinstance(default, float):
            dspin = QDoubleSpinBox()
            dspin.setDecimals(4 if step < 0.01 else 2)
            dspin.setRange(lo, hi)
            dspin.setSingleStep(step)
            dspin.setValue(default)
            dspin.valueChanged.connect(lambda _v: self.changed.emit())
            return dspin
        return None  # dicts (layer bits come from the table) and other types are not form fields

    def values(self) -> dict[str, Any]:
        """The shown fields' current values."""
        out: dict[str, Any] = {}
        for name, w in self.widgets.items():
            if isinstance(w, QComboBox):
                out[name] = w.currentText()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Set one field's widget (tests and presets)."""
        w = self.widgets[name]
        if isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        else:
            w.setValue(value)  # type: ignore[attr-defined]
