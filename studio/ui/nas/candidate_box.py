"""The selected candidate: what it costs, which boards it fits, and the actions that make it the model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from studio.optimize.nas.boards import search_boards
from studio.ui.jobs.signal_emit import emit_signal


def fitting_boards(trial: dict[str, Any], emulated: bool = False) -> list[str]:
    """Names of the real boards (with ``emulated``, the QEMU ones too) whose SRAM and flash hold the
    candidate by deploy's own fit check (arena + stack + firmware state, constants + firmware code)."""
    return [b.short_name for b in search_boards() if (emulated or not b.board.is_emulated) and b.fits(trial)]


def _arch_html(trial: dict[str, Any]) -> str:
    """Resolution, width, then one line per stage: its blocks as kernel/expand."""
    arch = trial["arch"]
    lines = [f"input {arch['resolution']}×{arch['resolution']} · width ×{arch['width']:g}"]
    for s, (ks, es) in enumerate(zip(arch["kernels"], arch["expands"], strict=True), 1):
        blocks = " ".join(f"k{k}/e{e}" for k, e in zip(ks, es, strict=True))
        lines.append(f"stage {s}: {blocks}")
    return "<tt>" + "<br>".join(lines) + "</tt>"


class CandidateBox(QGroupBox):
    """``finetuneRequested(trial_index, epochs)`` and ``distillRequested(trial_index)`` from its buttons."""

    finetuneRequested = Signal(int, int)
    distillRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Candidate", parent)
        self.trial: dict[str, Any] | None = None
        self.text = QLabel("Pick a point on the plot or a row of the table.", self)
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(240)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(0, 200)
        self.epochs.setValue(5)
        self.epochs.setSuffix(" epochs")
        self.epochs.setToolTip("fine-tuning epochs after extraction (0: keep the supernet's weights)")
        self.use_button = QPushButton("Extract, fine-tune and use", self)
        self.use_button.setToolTip("Make this subnet the project's model (undoable)")
        self.distill_button = QPushButton("Distil into it…", self)
        self.distill_button.setToolTip("Train this subnet with the current model as teacher")
        self.use_button.clicked.connect(self._use)
        self.distill_button.clicked.connect(self._distill)
        row = QHBoxLayout()
        row.addWidget(self.epochs)
        row.addWidget(self.use_button, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.distill_button)
        self.show_trial(None)

    def show_trial(self, trial: dict[str, Any] | None) -> None:
        self.trial = trial
        self.use_button.setEnabled(trial is not None)
        self.distill_button.setEnabled(trial is not None)
        if trial is None:
            self.text.setText("Pick a point on the plot or a row of the table.")
            return
        fits = fitting_boards(trial)
        latency = "" if trial.get("latency_ms") is None else f", {trial['latency_ms']:.2f} ms on this CPU"
        self.text.setText(
            f"<b>Trial {trial['index'] + 1}</b> · {100 * trial['accuracy']:.1f}% (supernet weights)<br>"
            f"{trial['macs'] / 1e6:.2f} MMACs · {trial['params'] / 1e3:.1f}k params · "
            f"{trial['flash_bytes'] / 1024:.1f} KB flash · {trial['peak_sram_bytes'] / 1024:.1f} KB SRAM{latency}<br>"
            f"<span style='color:#16a34a'>Fits: {', '.join(fits) if fits else 'no listed board'}</span><br>"
            f"<br>{_arch_html(trial)}"
        )

    def _use(self) -> None:
        if self.trial is not None:
            emit_signal(self, "finetuneRequested", int(self.trial["index"]), int(self.epochs.value()))

    def _distill(self) -> None:
        if self.trial is not None:
            emit_signal(self, "distillRequested", int(self.trial["index"]))
