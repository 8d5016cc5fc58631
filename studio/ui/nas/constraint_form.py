"""The search form: target board (a preset of SRAM and flash), hard limits, strategy and budget.

Why each limit has a check box: "no limit" must be a choice, not a huge number; the form turns exactly what is
ticked into a :class:`~studio.optimize.nas.constraints.Constraints`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.optimize.nas.boards import search_boards
from studio.optimize.nas.constraints import Constraints
from studio.ui.jobs.signal_emit import emit_signal


class _Limit(QWidget):
    """A check box and a spin box: the limit applies only while ticked."""

    def __init__(self, label: str, value: float, maximum: float, decimals: int, suffix: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.check = QCheckBox(label, self)
        self.spin = QDoubleSpinBox(self)
        self.spin.setRange(0.001, maximum)
        self.spin.setDecimals(decimals)
        self.spin.setValue(value)
        self.spin.setSuffix(f" {suffix}")
        self.spin.setMinimumWidth(110)
        self.check.toggled.connect(self.spin.setEnabled)
        self.spin.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check, 1)
        row.addWidget(self.spin)

    def value(self) -> float | None:
        return float(self.spin.value()) if self.check.isChecked() else None

    def set(self, value: float | None) -> None:
        self.check.setChecked(value is not None)
        if value is not None:
            self.spin.setValue(value)

    def set_at_most(self, value: float) -> None:
        """Tick and show ``value`` rounded down to the box's decimals (a budget must not grow by rounding)."""
        import math

        scale = 10 ** self.spin.decimals()
        self.set(math.floor(value * scale) / scale)


class ConstraintForm(QWidget):
    """Board, limits, strategy, trials and supernet epochs; ``changed()`` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = QComboBox(self)
        self.board.addItem("Custom limits", None)
        self.boards = {b.id: b for b in search_boards()}
        for b in self.boards.values():
            self.board.addItem(f"{b.name} · {b.board.sram_bytes // 1024} KB SRAM", b.id)
        self.board.setToolTip(
            "Fills SRAM and flash with what deploy's fit check leaves the model on that board: its SRAM less "
            "the stack and firmware state, its flash less the firmware's code"
        )
        self.sram = _Limit("Peak SRAM", 256, 100_000, 1, "KB", self)
        self.flash = _Limit("Flash", 1024, 100_000, 0, "KB", self)
        self.macs = _Limit("MACs", 1.0, 100_000, 2, "M", self)
        self.params = _Limit("Parameters", 100, 100_000, 1, "k", self)
        self.latency = _Limit("CPU latency", 2.0, 10_000, 2, "ms", self)
        self.latency.setToolTip("measured on this CPU with a lookup table (slower to search: it measures layers)")
        limits = QGroupBox("Hard limits", self)
        lim = QVBoxLayout(limits)
        lim.setSpacing(2)
        lim.addWidget(self.board)
        for w in (self.sram, self.flash, self.macs, self.params, self.latency):
            lim.addWidget(w)

        self.strategy = QComboBox(self)
        self.strategy.addItem("Evolutionary search", "evolution")
        self.strategy.addItem("Random search (baseline)", "random")
        self.trials = QSpinBox(self)
        self.trials.setRange(1, 10_000)
        self.trials.setValue(20)
        self.population = QSpinBox(self)
        self.population.setRange(1, 1000)
        self.population.setValue(8)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.epochs = QLineEdit("4,1,1,2", self)
        self.epochs.setToolTip("supernet epochs per progressive-shrinking phase: full, kernel, depth, expand+width")
        search = QGroupBox("Search", self)
        form = QFormLayout(search)
        form.addRow("Strategy", self.strategy)
        form.addRow("Trials", self.trials)
        form.addRow("Population", self.population)
        form.addRow("Seed", self.seed)
        form.addRow("Supernet epochs", self.epochs)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(limits)
        layout.addWidget(search)
        layout.addStretch(1)
        self.board.currentIndexChanged.connect(self._apply_board)
        for w in (self.sram, self.flash, self.macs, self.params, self.latency):
            w.check.toggled.connect(self._emit_changed)
            w.spin.valueChanged.connect(self._emit_changed)
        self.sram.set(256.0)

    def _emit_changed(self, *_args: Any) -> None:
        emit_signal(self, "changed")

    def _apply_board(self) -> None:
        spec = self.boards.get(self.board.currentData())
        if spec is not None:
            self.sram.set_at_most(spec.sram_budget_bytes / 1024)
            self.flash.set_at_most(spec.flash_budget_bytes / 1024)

    def constraints(self) -> Constraints:
        """The ticked limits (raises :class:`StudioError` for none that is invalid; spin boxes prevent it)."""
        return Constraints.from_user_units(
            max_sram_kb=self.sram.value(),
            max_flash_kb=self.flash.value(),
            max_macs_millions=self.macs.value(),
            max_params_k=self.params.value(),
            max_latency_ms=self.latency.value(),
        )

    def show_request(self, params: dict[str, Any]) -> None:
        """Fill the form from a stored run's parameters (``NasRequest.to_params()``), to rerun it with changes."""
        limits = params.get("constraints") or {}

        def scaled(key: str, unit: float) -> float | None:
            value = limits.get(key)
            return None if value is None else float(value) / unit

        self.board.setCurrentIndex(0)
        self.sram.set(scaled("max_sram_bytes", 1024))
        self.flash.set(scaled("max_flash_bytes", 1024))
        self.macs.set(scaled("max_macs", 1e6))
        self.params.set(scaled("max_params", 1e3))
        self.latency.set(scaled("max_latency_ms", 1.0))
        index = self.strategy.findData(params.get("strategy"))
        if index >= 0:
            self.strategy.setCurrentIndex(index)
        for box, key in ((self.trials, "trials"), (self.population, "population"), (self.seed, "seed")):
            if isinstance(params.get(key), int):
                box.setValue(params[key])
        epochs = (params.get("supernet") or {}).get("epochs")
        if isinstance(epochs, list):
            self.epochs.setText(",".join(str(e) for e in epochs))

    def supernet_epochs(self) -> tuple[int, ...]:
        """The four phase epochs; raises :class:`StudioError` for text that is not four whole numbers."""
        from studio.core.errors import StudioError

        try:
            values = tuple(int(v) for v in self.epochs.text().split(","))
        except ValueError:
            values = ()
        if len(values) != 4 or min(values) < 0:
            raise StudioError("supernet epochs must be four whole numbers such as 4,1,1,2")
        return values
