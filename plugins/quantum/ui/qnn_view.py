"""The QNN tab: configure, train (a process job) with live curves, compare plain and noise-aware training.

Curves come from the job's ``qnn-epoch {json}`` log lines: the view listens to the job manager (from worker
threads), queues the lines and draws them on the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from plugins.quantum.noise.backends import FEATURED_BACKENDS
from plugins.quantum.qnn.train import EPOCH_LOG_PREFIX, QnnTrainConfig
from plugins.quantum.ui.style import ACCENT, AER, NOISY
from studio.core.events import EventEmitter
from studio.ui.jobs.signal_emit import post_call

_RUN_COLORS = {"plain": ACCENT, "noise-aware": NOISY, "run": ACCENT}


class QnnTrainingView(QWidget):
    """Form, buttons, curves and a results table. ``finished(result)`` fires when a job's result is shown."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.finished = EventEmitter("qnn.finished")
        self.load_circuit = EventEmitter("qnn.load_circuit")
        self.job: Any = None
        self.result: dict[str, Any] | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._unsubscribe = ctx.services.jobs.subscribe(self._on_job_event)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.curves: dict[tuple[str, str], list[tuple[int, float]]] = {}

        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        form = QFormLayout()
        self.classes = QComboBox()
        self.classes.addItems(["2 (digits 3 vs 6)", "4 (digits 0-3)"])
        self.classes.setCurrentIndex(1)
        self.blocks = QSpinBox()
        self.blocks.setRange(1, 8)
        self.blocks.setValue(2)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(QnnTrainConfig().epochs)  # the CLI's default, so both report the same runs
        self.device = QComboBox()
        self.device.addItems(list(FEATURED_BACKENDS))
        self.device.setCurrentText("FakeQuitoV2")
        self.noise_scale = QDoubleSpinBox()
        self.noise_scale.setRange(0.0, 20.0)
        self.noise_scale.setSingleStep(0.5)
        self.noise_scale.setValue(4.0)
        self.noise_scale.setSuffix(" ×")
        self.noise_scale.setToolTip("Make the device this many times noisier (1 = its calibration as it is)")
        self.aer_shots = QSpinBox()
        self.aer_shots.setRange(0, 100000)
        self.aer_shots.setValue(1024)
        self.aer_shots.setSpecialValueText("skip Aer")
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 10)
        self.seeds.setValue(1)
        self.seeds.setToolTip("Compare repeats plain vs noise-aware for seeds 0..N-1 and shows mean ± sd")
        form.addRow("Classes", self.classes)
        form.addRow("Trainable blocks", self.blocks)
        form.addRow("Epochs", self.epochs)
        form.addRow("Device noise", self.device)
        form.addRow("Noise scale", self.noise_scale)
        form.addRow("Aer shots / sample", self.aer_shots)
        form.addRow("Seeds (compare)", self.seeds)
        left.addLayout(form)
        left.addWidget(QLabel("Noise-aware training (QuantumNAT):"))
        self.injection = QCheckBox("Noise injection from the device")
        self.injection_method = QComboBox()
        self.injection_method.addItem("exact noisy density matrix", "exact")
        self.injection_method.addItem("sampled Pauli errors", "pauli")
        self.injection_method.setToolTip(
            "Exact: train through the device's noisy state (what inference sees). "
            "Pauli: one sampled error per gate and sample, as QuantumNAT does"
        )
        self.shot_noise = QCheckBox("Shot noise on trained outputs")
        self.shot_noise.setToolTip("With injection, each trained <Z> gets the spread of 1,024 shots, as on a device")
        self.normalize = QCheckBox("Post-measurement normalization")
        self.quantize = QCheckBox("Output quantization")
        left.addWidget(self.injection)
        method_row = QHBoxLayout()
        method_row.setContentsMargins(18, 0, 0, 0)
        method_row.addWidget(self.injection_method, 1)
        left.addLayout(method_row)
        for box in (self.shot_noise, self.normalize, self.quantize):
            left.addWidget(box)
        for box in (self.injection, self.shot_noise, self.normalize):
            box.setChecked(True)
        self.injection.toggled.connect(self.injection_method.setEnabled)
        self.injection.toggled.connect(self.shot_noise.setEnabled)
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train once with the toggles above, evaluated noise-free, under noise and on Aer")
        self.compare_button = QPushButton("Compare plain vs noise-aware")
        self.compare_button.setObjectName("qnn-compare")
        self.compare_button.setToolTip("Train twice on the same data and seed: plainly, then with the toggles on")
        self.show_button = QPushButton("Show circuit in the builder")
        self.train_button.clicked.connect(lambda: self.start(compare=False))
        self.compare_button.clicked.connect(lambda: self.start(compare=True))
        self.show_button.clicked.connect(self._show_circuit)
        left.addWidget(self.train_button)
        left.addWidget(self.compare_button)
        left.addWidget(self.show_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        left.addWidget(self.status)
        left.addStretch(1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMaximumWidth(330)
        outer.addWidget(holder)

        right = QVBoxLayout()
        self.acc_plot = pg.PlotWidget()
        self.acc_plot.setBackground(None)
        self.acc_plot.setTitle("Validation accuracy (solid: noise-free, dashed: under device noise)", size="10pt")
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.showGrid(x=True, y=True, alpha=0.25)
        self.acc_plot.addLegend(offset=(10, 10))
        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setBackground(None)
        self.loss_plot.setTitle("Training loss", size="10pt")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.25)
        right.addWidget(self.acc_plot, 3)
        right.addWidget(self.loss_plot, 2)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["run", "noise-free", "under noise (torch)", "on Aer", "lost to noise (torch · Aer)"]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(110)
        self.table.resizeColumnsToContents()  # the headers fit before the first result
        right.addWidget(self.table)
        outer.addLayout(right, 1)

    # --- configuration and jobs --------------------------------------------------------------------------
    def config(self) -> QnnTrainConfig:
        return QnnTrainConfig(
            num_classes=2 if self.classes.currentIndex() == 0 else 4,
            blocks=self.blocks.value(),
            epochs=self.epochs.value(),
            backend=self.device.currentText(),
            noise_injection=self.injection.isChecked(),
            injection_method=self.injection_method.currentData(),
            shot_noise=self.shot_noise.isChecked() and self.injection.isChecked(),
            normalize=self.normalize.isChecked(),
            quantize=self.quantize.isChecked(),
            aer_shots=self.aer_shots.value(),
            noise_scale=self.noise_scale.value(),
        )

    def start(self, compare: bool, config: QnnTrainConfig | None = None, seeds: int | None = None) -> Any:
        from plugins.quantum.qnn.compare import compare_job, compare_seeds_job
        from plugins.quantum.qnn.train import train_job
        from studio.core.jobs import JobSpec

        config = config or self.config()
        seeds = self.seeds.value() if seeds is None else seeds
        self.curves.clear()
        self._redraw()
        fn: Any = compare_job if compare else train_job
        title = (
            f"QNN {'plain vs noise-aware' if compare else 'training'} ({config.num_classes} classes, {config.backend})"
        )
        kwargs: dict[str, Any] = {"config": config}
        if compare and seeds > 1:
            fn = compare_seeds_job
            kwargs["seeds"] = list(range(seeds))
            title += f", {seeds} seeds"
        if not compare:
            kwargs["run_name"] = "noise-aware" if config.noise_aware else "plain"
        spec = JobSpec(title, fn, kwargs, runner="process")
        self.train_button.setEnabled(False)
        self.compare_button.setEnabled(False)
        self.status.setText("Training in a worker process; curves update every epoch.")
        self.job = self.ctx.submit(spec, self._on_done, self._on_failed)
        return self.job

    def _on_done(self, result: dict[str, Any]) -> None:
        self._enable()
        if "summary" in result:
            self._show_summary(result)
            return
        self.result = result
        runs = [result["plain"], result["noise_aware"]] if "plain" in result else [result]
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            acc = run["accuracy"]
            lost = [None if acc[key] is None else acc["noise_free"] - acc[key] for key in ("noisy_torch", "aer")]
            cells = [run["run"], _pct(acc["noise_free"]), _pct(acc["noisy_torch"]), _pct(acc["aer"]), _lost(*lost)]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.status.setText("Done. " + ("Compare the last column: accuracy lost to noise." if len(runs) > 1 else ""))
        self.finished.emit(result)

    def _show_summary(self, result: dict[str, Any]) -> None:
        """Mean ± sd over seeds; the circuit shown in the builder is the last seed's noise-aware one."""
        self.result = result["runs"][-1]
        summary = result["summary"]
        self.table.setRowCount(3)
        for row, run in enumerate(("plain", "noise_aware", "advantage")):
            cells = ["noise-aware − plain" if run == "advantage" else run.replace("_", "-")]
            for key in ("noise_free", "noisy_torch", "aer"):
                cell = summary[run].get(key)
                sign = "+" if run == "advantage" else ""
                cells.append("—" if cell is None else f"{100 * cell['mean']:{sign}.1f} ± {100 * cell['sd']:.1f}")
            lost = [summary[run].get(key) for key in ("lost_noisy_torch", "lost_aer")]
            cells.append(_lost(*(None if x is None else x["mean"] for x in lost)) if any(lost) else "")
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.status.setText(f"Done: mean ± sd over seeds {', '.join(map(str, result['seeds']))}.")
        self.finished.emit(result)

    def _on_failed(self, job: Any) -> None:
        self._enable()
        self.status.setText(f"Training failed: {job.error}" if job.state.name == "FAILED" else "Training cancelled.")

    def _enable(self) -> None:
        self.train_button.setEnabled(True)
        self.compare_button.setEnabled(True)

    def _show_circuit(self) -> None:
        from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit

        circuit = build_qnn_circuit(QnnArchitecture(blocks=self.blocks.value()))
        if self.result is not None:
            run = self.result.get("noise_aware", self.result)
            circuit = circuit.with_values({f"w{k}": w for k, w in enumerate(run["weights"])})
        self.load_circuit.emit(circuit)

    # --- live curves ---------------------------------------------------------------------------------------
    def _on_job_event(self, event: Any) -> None:  # worker threads
        if self.job is None or event.job.id != self.job.id or event.kind != "log":
            return
        if not event.line.startswith(EPOCH_LOG_PREFIX):
            return
        with self._lock:
            self._lines.append(event.line)
        with contextlib.suppress(RuntimeError):  # the view is gone
            post_call(self, "_drain")

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        for line in lines:
            self.add_epoch(json.loads(line[len(EPOCH_LOG_PREFIX) :]))
        if lines:
            self._redraw()

    def add_epoch(self, row: dict[str, Any]) -> None:
        run = row["run"]
        for key in ("val_noise_free", "val_noisy", "loss"):
            if row.get(key) is not None:
                self.curves.setdefault((run, key), []).append((row["epoch"], float(row[key])))

    def _redraw(self) -> None:
        self.acc_plot.clear()
        self.loss_plot.clear()
        for (run, key), points in sorted(self.curves.items()):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            color = _RUN_COLORS.get(run, AER)
            if key == "loss":
                self.loss_plot.plot(xs, ys, pen=pg.mkPen(color, width=2), symbol="o", symbolSize=5, symbolBrush=color)
                continue
            style = {"width": 2}
            if key == "val_noisy":
                style["style"] = pg.QtCore.Qt.PenStyle.DashLine
            name = f"{run}, {'noise-free' if key == 'val_noise_free' else 'noisy'}"
            self.acc_plot.plot(
                xs, ys, pen=pg.mkPen(color, **style), symbol="o", symbolSize=5, symbolBrush=color, name=name
            )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _lost(torch_lost: float | None, aer_lost: float | None) -> str:
    """Accuracy lost to noise in points, in the simulator and (when it ran) on Aer."""
    if torch_lost is None:
        return "—"
    text = f"{100 * torch_lost:.1f}"
    return f"{text} · {100 * aer_lost:.1f} points" if aer_lost is not None else f"{text} points"
