"""Choose the noise the live views simulate: none, a hand-built model (a form from the config's fields) or a
fake IBM device. ``changed()`` fires when the choice or a field changes; :meth:`config` reads it."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QVBoxLayout, QWidget

from plugins.quantum.noise.backends import FEATURED_BACKENDS
from plugins.quantum.noise.sources import BackendNoiseConfig, HandNoiseConfig, NoiseConfig
from studio.core.events import EventEmitter

IDEAL = "Ideal (no noise)"
HAND = "Hand-built noise"
_FIELD_TITLES = {
    "depolarizing_1q": ("Depolarizing, 1-qubit gates", 1.0, 0.001),
    "depolarizing_2q": ("Depolarizing, 2-qubit gates", 1.0, 0.005),
    "amplitude_damping": ("Amplitude damping γ", 1.0, 0.005),
    "phase_damping": ("Phase damping λ", 1.0, 0.005),
    "t1_us": ("T1 (µs, 0 = off)", 1e6, 5.0),
    "t2_us": ("T2 (µs, ≤ 2·T1)", 1e6, 5.0),
    "gate_time_1q_ns": ("1-qubit gate time (ns)", 1e5, 5.0),
    "gate_time_2q_ns": ("2-qubit gate time (ns)", 1e5, 20.0),
    "readout_p01": ("Readout P(1 | 0)", 1.0, 0.005),
    "readout_p10": ("Readout P(0 | 1)", 1.0, 0.005),
}


class NoisePicker(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.changed = EventEmitter("noise.changed")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox(self)
        self.combo.setObjectName("noise-choice")
        self.combo.addItems([IDEAL, HAND])
        self.combo.insertSeparator(2)
        self.combo.addItems(list(FEATURED_BACKENDS))
        self.combo.setToolTip("Noise for the live views: none, a hand-built model, or a fake IBM device's calibration")
        layout.addWidget(self.combo)
        self.form_box = QGroupBox("Hand-built noise model", self)
        form = QFormLayout(self.form_box)
        self.fields: dict[str, QDoubleSpinBox] = {}
        defaults = HandNoiseConfig(depolarizing_1q=0.002, depolarizing_2q=0.02, readout_p01=0.02, readout_p10=0.03)
        for f in dataclasses.fields(HandNoiseConfig):
            title, upper, step = _FIELD_TITLES[f.name]
            box = QDoubleSpinBox(self.form_box)
            box.setDecimals(4 if upper <= 1 else 1)
            box.setRange(0.0, upper)
            box.setSingleStep(step)
            box.setValue(getattr(defaults, f.name))
            box.valueChanged.connect(lambda _v: self.changed.emit())
            form.addRow(title, box)
            self.fields[f.name] = box
        layout.addWidget(self.form_box)
        self.form_box.setVisible(False)
        self.combo.currentTextChanged.connect(self._on_choice)

    def _on_choice(self, text: str) -> None:
        self.form_box.setVisible(text == HAND)
        self.changed.emit()

    def config(self) -> NoiseConfig | None:
        """The chosen noise, or None for ideal."""
        text = self.combo.currentText()
        if text == IDEAL:
            return None
        if text == HAND:
            return HandNoiseConfig(**{name: box.value() for name, box in self.fields.items()})
        return BackendNoiseConfig(text)

    def choose(self, text: str) -> None:
        self.combo.setCurrentText(text)
