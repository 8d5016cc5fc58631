"""The Quantize stage: choose a method and its settings, set bits per layer, quantize as a job, compare.

Everything heavy runs as a process job through the stage context: :func:`studio.workflows.quantize.quantize_job`
(PTQ, k-means, QAT) and :func:`studio.workflows.quantize_scan.bit_scan_job`. A result becomes the current
model with ``session.derive`` (undoable); editing a layer's bits or allocating bits for a size target is an
undoable command on the same stack. ``python -m studio.ui.quantize.panel [--screenshot PNG]`` opens it on the
demo.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.commands import FunctionCommand
from studio.core.jobs import JobSpec
from studio.ui.quantize.bits_table import LayerBitsTable
from studio.ui.quantize.config_form import ConfigForm
from studio.ui.quantize.mixed_precision import MixedPrecisionBox
from studio.ui.quantize.plots import BitCurvesPlot, RangeHistogram
from studio.ui.quantize.rows import FLOAT_BITS, LayerRow, planned_bytes, rows_for
from studio.ui.quantize.summary_card import BeforeAfterCard
from studio.ui.theme import current_colors

SCAN_BITS = (8, 6, 5, 4, 3, 2)


def _method_forms() -> dict[str, ConfigForm]:
    from studio.optimize.quantize.calibration import RANGE_METHODS
    from studio.optimize.quantize.config import KMeansConfig, LinearQuantConfig

    linear = ConfigForm(
        LinearQuantConfig,
        choices={"calibration": list(RANGE_METHODS), "weight_method": ["minmax", "mse"]},
        hidden={"seed", "activation_bits"},
    )
    kmeans = ConfigForm(KMeansConfig, hidden={"seed", "iterations"})
    return {"linear": linear, "kmeans": kmeans}


class QuantizePanel(QWidget):
    """The stage widget; ``ctx`` is a :class:`~studio.ui.stages.context.StageContext`."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.overrides: dict[str, int] = {}
        self.rows: list[LayerRow] = []
        self.scan: dict[str, Any] | None = None
        self.running: set[str] = set()
        self._build()
        ctx.modelChanged.connect(self._on_model_changed)
        ctx.layerSelected.connect(self._on_layer_selected_elsewhere)
        self.refresh()

    # ------------------------------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.forms = _method_forms()
        self.method = QComboBox()
        self.method.addItems(["linear", "kmeans"])
        self.method.setItemText(0, "linear")
        self.method.setToolTip(
            "linear: uniform grids (PTQ, then optional QAT); kmeans: shared weights (Deep Compression)"
        )
        self.stack = QStackedWidget()
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        for form in self.forms.values():
            self.stack.addWidget(form)
            form.changed.connect(self._on_settings_changed)
        self.method.currentTextChanged.connect(self._on_method_changed)
        self.qat_epochs = QSpinBox()
        self.qat_epochs.setRange(1, 100)
        self.qat_epochs.setValue(3)

        self.quantize_button = QPushButton("Quantize")
        self.quantize_button.setDefault(True)
        self.quantize_button.clicked.connect(self.quantize)
        self.qat_button = QPushButton("Fine-tune (QAT)")
        self.qat_button.setToolTip("Quantization-aware training of the current linearly quantized model")
        self.qat_button.clicked.connect(self.run_qat)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write .int8.npz (for deploy), QDQ .onnx (int8 in onnxruntime), .tflite or .pt2")
        self.export_button.clicked.connect(self._ask_export)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self._undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self._redo)

        settings = QGroupBox("Settings")
        column = QVBoxLayout(settings)
        form = QFormLayout()
        form.addRow("Method", self.method)
        column.addLayout(form)
        column.addWidget(self.stack)
        qat = QFormLayout()
        qat.addRow("QAT epochs", self.qat_epochs)
        column.addLayout(qat)
        buttons = QHBoxLayout()
        for b in (self.quantize_button, self.qat_button, self.export_button):
            buttons.addWidget(b)
        column.addLayout(buttons)
        history = QHBoxLayout()
        history.addWidget(self.undo_button)
        history.addWidget(self.redo_button)
        history.addStretch(1)
        column.addLayout(history)
        hint = QLabel(
            "Weight bits apply to every layer the table does not set; 32 keeps a layer float. Activations are "
            "8-bit, asymmetric, calibrated on the training split. Export writes the studio's int8 file for "
            "deploy, QDQ ONNX for onnxruntime, or .pt2."
        )
        hint.setWordWrap(True)
        hint.setObjectName("quantizeHint")
        hint.setStyleSheet(f"color: {current_colors().muted};")
        column.addWidget(hint)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        column.addWidget(self.status_label)
        column.addStretch(1)
        settings.setFixedWidth(360)

        self.card = BeforeAfterCard()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.card, 1)
        self.mixed = MixedPrecisionBox()
        self.mixed.scan_button.clicked.connect(self.run_scan)
        self.mixed.allocate_button.clicked.connect(self.allocate)
        self.scan_button = self.mixed.scan_button
        self.allocate_button = self.mixed.allocate_button
        self.target_kib = self.mixed.target_kib
        self.allocation_label = self.mixed.allocation_label
        top.addWidget(self.mixed, 1)
        top_widget = QWidget()
        top_widget.setLayout(top)

        self.table = LayerBitsTable()
        self.table.bitsEdited.connect(self.set_layer_bits)
        self.table.layerSelected.connect(self._on_table_selection)
        self.weight_hist = RangeHistogram("Weights", "weight value")
        self.act_hist = RangeHistogram("Output activations", "activation value")
        self.curves = BitCurvesPlot()
        hists = QSplitter(Qt.Orientation.Horizontal)
        hists.addWidget(self.weight_hist)
        hists.addWidget(self.act_hist)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top_widget)
        split.addWidget(self.table)
        split.addWidget(hists)
        split.addWidget(self.curves)
        split.setSizes([150, 190, 250, 250])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(settings)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------------------------------- state
    def params(self) -> dict[str, Any]:
        """The parameters "Quantize" would run with: the method, its form's values and per-layer bits."""
        method = self.method.currentText()
        values = self.forms[method].values()
        default_key = "weight_bits" if method == "linear" else "bits"
        default = int(values[default_key])
        layer_bits = {
            r.layer: self.overrides[r.layer] for r in self.rows if self.overrides.get(r.layer, default) != default
        }
        return {"method": method, **values, "layer_bits": layer_bits}

    def planned_bits(self) -> dict[str, int]:
        """Bits every row gets on "Quantize"."""
        params = self.params()
        default = int(params.get("weight_bits", params.get("bits", 8)))
        return {r.layer: self.overrides.get(r.layer, default) for r in self.rows}

    def _report(self) -> dict[str, Any] | None:
        opened = self.ctx.session.opened
        return opened.model.metadata.get("quantization") if opened is not None else None

    def refresh(self) -> None:
        """Rebuild the table, card and histograms from the current model version."""
        opened = self.ctx.session.opened
        self.rows = rows_for(opened) if opened is not None else []
        self.overrides = {k: v for k, v in self.overrides.items() if any(r.layer == k for r in self.rows)}
        self.table.show_rows(self.rows, self.planned_bits())
        report = self._report()
        float_bytes = report["size_before"] if report else sum(r.bytes for r in self.rows)
        self.card.show_report(report if report and "accuracy_after" in report else None, float_bytes)
        self._refresh_planned()
        self._refresh_histograms(self.table.selected_layer())
        self._refresh_buttons()

    def _refresh_planned(self) -> None:
        report = self._report()
        float_bytes = report["size_before"] if report else sum(4 * (r.params + r.channels) for r in self.rows)
        self.card.show_planned(planned_bytes(self.rows, self.planned_bits()), float_bytes)

    def _refresh_buttons(self) -> None:
        from studio.optimize.quantize.layers import UniformQuantLayer

        stack = self.ctx.session.undo_stack
        self.undo_button.setEnabled(stack.can_undo)
        self.redo_button.setEnabled(stack.can_redo)
        self.undo_button.setToolTip(stack.undo_text)
        self.redo_button.setToolTip(stack.redo_text)
        opened = self.ctx.session.opened
        module = opened.model.module if opened is not None else None
        layers = getattr(module, "layers", None)
        linear = callable(layers) and any(isinstance(m, UniformQuantLayer) for m in layers())
        self.qat_button.setEnabled(linear and "qat" not in self.running)
        self.quantize_button.setEnabled(opened is not None and module is not None and "quantize" not in self.running)
        self.scan_button.setEnabled(module is not None and "scan" not in self.running)
        self.allocate_button.setEnabled(self.scan is not None)

    def _refresh_histograms(self, layer: str | None) -> None:
        report = self._report() or {}
        rows = {r["layer"]: r for r in report.get("analysis", {}).get("layers", [])}
        row = rows.get(layer or "")
        if row is None:
            self.weight_hist.show_histogram(None, None)
            self.act_hist.show_histogram(None, None)
            return
        markers = None
        opened = self.ctx.session.opened
        if row["method"] == "kmeans" and opened is not None:
            markers = opened.model.module.layer(row["layer"]).codebook.detach().numpy().tolist()
        bits = "float" if row["bits"] >= FLOAT_BITS else f"{row['bits']}-bit {row['method']}"
        w_sqnr = row["weight_sqnr_db"]
        self.weight_hist.show_histogram(row["weight_hist"]["counts"], row["weight_hist"]["edges"], row["weight_range"],
                                        markers, f"{row['layer']} · {bits} · SQNR {w_sqnr:.1f} dB")  # fmt: skip
        act = row.get("act_hist") or {}
        out_sqnr = row.get("output_sqnr_db")
        subtitle = f"{row['layer']} · int8 grid" + (f" · SQNR {out_sqnr:.1f} dB" if out_sqnr is not None else "")
        if row.get("act_zero_fraction"):
            subtitle += f" · {100 * row['act_zero_fraction']:.0f}% exact zeros not drawn"
        self.act_hist.show_histogram(act.get("counts"), act.get("edges"), row.get("act_range"), None, subtitle)

    # -------------------------------------------------------------------------------------- reactions
    def _on_model_changed(self, what: str) -> None:
        if what == "model":
            self.refresh()

    def _on_method_changed(self, method: str) -> None:
        self.stack.setCurrentWidget(self.forms[method])
        self._on_settings_changed()

    def _on_settings_changed(self) -> None:
        planned = self.planned_bits()
        for layer, bits in planned.items():
            self.table.set_bits(layer, bits)
        self._refresh_planned()

    def _on_table_selection(self, layer: str) -> None:
        self._refresh_histograms(layer)
        self.ctx.select_layer(layer)

    def _on_layer_selected_elsewhere(self, layer: str) -> None:
        if layer != self.table.selected_layer() and any(r.layer == layer for r in self.rows):
            self.table.select_layer(layer)

    def _status(self, message: str) -> None:
        self.status_label.setText(message)
        self.ctx.status(message)

    # ---------------------------------------------------------------------------------- undoable edits
    def _push_overrides(self, text: str, new: dict[str, int]) -> None:
        old = dict(self.overrides)

        def apply(values: dict[str, int]) -> None:
            self.overrides = dict(values)
            self._on_settings_changed()
            self._refresh_buttons()

        self.ctx.session.undo_stack.push(FunctionCommand(text, lambda: apply(new), lambda: apply(old)))
        self._refresh_buttons()

    def set_layer_bits(self, layer: str, bits: int) -> None:
        """Plan ``bits`` for ``layer`` (32: keep float), as an undoable command."""
        label = "float" if bits >= FLOAT_BITS else f"{bits} bits"
        self._push_overrides(f"Set {layer} to {label}", {**self.overrides, layer: int(bits)})

    def allocate(self) -> None:
        """Per-layer bits for the size target from the last scan, as one undoable command."""
        from studio.workflows.quantize_scan import allocate_for_target

        if self.scan is None:
            return
        target = int(self.target_kib.value() * 1024)
        result = allocate_for_target(self.scan, target)
        self._push_overrides(f"Allocate bits for {self.target_kib.value():.1f} KiB", dict(result["layer_bits"]))
        fits = "fits" if result["fits"] else "does not fit even at the lowest widths"
        self.allocation_label.setText(
            f"{', '.join(f'{k}: {v}' for k, v in result['layer_bits'].items())} — {result['size_bytes']:,} bytes "
            f"({fits}); predicted accuracy {100 * result['predicted_accuracy']:.1f}%"
        )

    def _undo(self) -> None:
        self.ctx.session.undo_stack.undo()
        self._refresh_buttons()

    def _redo(self) -> None:
        self.ctx.session.undo_stack.redo()
        self._refresh_buttons()

    # -------------------------------------------------------------------------------------------- jobs
    def _submit(self, key: str, title: str, fn: Any, kwargs: dict[str, Any], on_success: Any) -> None:
        self.running.add(key)
        self._refresh_buttons()

        def done(result: Any) -> None:
            self.running.discard(key)
            on_success(result)
            self._refresh_buttons()

        def failed(job: Any) -> None:
            self.running.discard(key)
            self._refresh_buttons()
            error = getattr(job, "error", "")
            self._status(f"{title} failed{': ' + str(error) if error else ''}")

        self.ctx.submit(JobSpec(title, fn, kwargs, runner="process"), done, failed)

    def quantize(self) -> None:
        """Run the chosen method on the current model as a process job; its result becomes current."""
        from studio.workflows.quantize import quantize_job

        params = self.params()
        self._status(f"Quantizing ({params['method']}) …")
        kwargs = {"handle": self.ctx.session.handle(), "data_spec": self.ctx.data_spec(), "params": params}
        self._submit("quantize", "Quantize", quantize_job, kwargs, self._derive)

    def run_qat(self) -> None:
        """Quantization-aware training of the current model as a process job."""
        from studio.workflows.quantize import quantize_job

        params = {"method": "qat", "epochs": self.qat_epochs.value()}
        kwargs = {"handle": self.ctx.session.handle(), "data_spec": self.ctx.data_spec(), "params": params}
        self._status("Quantization-aware training …")
        self._submit("qat", "Quantization-aware training", quantize_job, kwargs, self._derive)

    def _derive(self, result: dict[str, Any]) -> None:
        from studio.workflows.quantize import model_from_job

        report = result["report"]
        model = result["model"] if "model" in result else model_from_job(result)
        self.ctx.session.derive(model, report["description"], result["step"])
        self._status(
            f"{report['description']}: accuracy {100 * report['accuracy_before']:.2f}% → "
            f"{100 * report['accuracy_after']:.2f}%"
        )

    def run_scan(self) -> None:
        """The per-layer bit-width scan of the current model as a process job; draws the curves."""
        from studio.workflows.quantize_scan import bit_scan_job

        method = self.method.currentText()
        params = {"bits": list(SCAN_BITS), "method": method}
        kwargs = {"handle": self.ctx.session.handle(), "data_spec": self.ctx.data_spec(), "params": params}
        self._status("Scanning bit widths per layer …")
        self._submit("scan", "Bit-width scan", bit_scan_job, kwargs, self.show_scan)

    def show_scan(self, scan: dict[str, Any]) -> None:
        """Draw a scan and enable allocation."""
        self.scan = scan
        self.curves.show_scan(scan)
        self.allocation_label.setText(
            f"Scanned on {scan['samples']} images; float accuracy {100 * scan['baseline']:.1f}%."
        )
        self._refresh_buttons()

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export quantized model",
            "model.int8.npz",
            "int8 model (*.int8.npz);;QDQ ONNX (*.onnx);;TFLite int8 (*.tflite);;torch.export (*.pt2)",
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write the current model to ``path`` in a thread job (calibrating first if it has no int8 grids)."""
        opened = self.ctx.session.opened
        if opened is None:
            return
        kwargs = {"model": opened.model, "path": path, "data_spec": self.ctx.data_spec()}
        spec = JobSpec("Export quantized model", _export_job, kwargs)
        self.ctx.submit(spec, lambda written: self._status(f"Wrote {written}"))


def _export_job(ctx: Any, model: Any, path: str, data_spec: str) -> str:
    from studio.workflows.quantize import export_quantized

    ctx.log(f"writing {path}")
    return str(export_quantized(model, path, data_spec))


def main(argv: list[str] | None = None) -> int:
    """``python -m studio.ui.quantize.panel [--screenshot PNG]`` (see :mod:`studio.ui.quantize.preview`)."""
    from studio.ui.quantize.preview import main as preview_main

    return preview_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
