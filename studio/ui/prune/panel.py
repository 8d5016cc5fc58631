"""The Prune stage: scan, decide per layer (table, slider, dragging on the curve), allocate, apply, fine-tune,
compare. ``python -m studio.ui.prune.panel`` opens it on the demo model.

Everything heavy is a job (scan, search, apply, fine-tune and comparison in worker processes; allocation in
a thread); the panel only draws. Decisions are commands on the session's undo stack, applied steps are
derived model versions (``session.derive``), so Ctrl+Z undoes both, in order.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider, QSplitter, QTabWidget, QVBoxLayout, QWidget

from studio.optimize.prune.decisions import PruneDecisions
from studio.ui.prune.actions import PruneJobActions
from studio.ui.prune.compare import ComparisonView
from studio.ui.prune.curves import SensitivityCurvesView
from studio.ui.prune.heatmap import SensitivityHeatmap
from studio.ui.prune.job_log import JobLogSignal
from studio.ui.prune.table import LayerDecisionTable
from studio.ui.prune.toolbar import PruneToolbar
from studio.ui.prune.weights import WeightHistogramView


class PrunePanel(PruneJobActions, QWidget):
    """The stage widget; ``ctx`` is a :class:`~studio.ui.stages.context.StageContext`."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.decisions = PruneDecisions(ctx.session.undo_stack)
        self.selected: str | None = None
        self._finetune_job: int | None = None
        self._reference: Any = None  # handle of the version before the first applied step
        self._channel_job_for: Any = None  # the costs whose channel dependencies were asked for
        self._scan_job: Any = None  # the running scan (the Scan button cancels it)
        self.toolbar = PruneToolbar(self)
        self.prediction = QLabel("Run a scan to see how sensitive each layer is.", self)
        self.prediction.setObjectName("prune-prediction")
        self.prediction.setTextFormat(Qt.TextFormat.RichText)
        self.curves = SensitivityCurvesView(self)
        self.heatmap = SensitivityHeatmap(self)
        self.weights = WeightHistogramView(self)
        self.views = QTabWidget(self)
        self.views.addTab(self.curves, "Curves")
        self.views.addTab(self.heatmap, "Heatmap (accuracy drop, points)")
        self.views.addTab(self.weights, "Weights")
        self.table = LayerDecisionTable(self)
        self.slider_label = QLabel("Select a layer", self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 99)
        self.slider.setEnabled(False)
        self.compare = ComparisonView(self)
        from studio.ui.prune.training_plot import TrainingCurvesView

        self.training = TrainingCurvesView(self)
        self.results = QTabWidget(self)
        self.results.addTab(self.compare, "Before / after")
        self.results.addTab(self.training, "Fine-tuning")
        self._build_layout()
        self._log = JobLogSignal(ctx.services.jobs, self)
        self._wire()
        self._on_model_changed("model")

    # ------------------------------------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        right = QWidget(self)
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.table, 1)
        right_box.addWidget(self.slider_label)
        right_box.addWidget(self.slider)
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.views)
        top.addWidget(right)
        right.setMinimumWidth(440)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([900, 480])
        main = QSplitter(Qt.Orientation.Vertical, self)
        main.addWidget(top)
        main.addWidget(self.results)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        box.addWidget(self.toolbar)
        box.addWidget(self.prediction)
        box.addWidget(main, 1)

    def _wire(self) -> None:
        self.ctx.modelChanged.connect(self._on_model_changed)
        self.ctx.layerSelected.connect(self._on_layer_selected_elsewhere)
        self.decisions.changed.connect(self._on_decisions_changed)
        self.curves.layerClicked.connect(self._user_selects)
        self.heatmap.layerClicked.connect(self._user_selects)
        self.table.layerSelected.connect(self._user_selects)
        self.curves.sparsityDragged.connect(self.decisions.set_sparsity)
        self.curves.dragFinished.connect(self.decisions.end_drag)
        self.table.sparsityEdited.connect(lambda name, v: self._set_once(name, v))
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self.decisions.end_drag)
        self.toolbar.methodChosen.connect(self.decisions.set_method)
        self.toolbar.scanRequested.connect(self.start_scan)
        self.toolbar.allocateRequested.connect(self.start_allocate)
        self.toolbar.searchRequested.connect(self.start_search)
        self.toolbar.applyRequested.connect(self.start_apply)
        self.toolbar.finetuneRequested.connect(self.start_finetune)
        self._log.line.connect(self._on_job_log)

    # ------------------------------------------------------------------------------------------- model
    def _module(self) -> Any:
        opened = self.ctx.session.opened
        return opened.model.module if opened is not None else None

    def _layer_names(self) -> list[str]:
        if self.decisions.scan is not None:
            return self.decisions.scan.names
        module = self._module()
        if module is None:
            return []
        from studio.optimize.prune.targets import kernel_layers

        return kernel_layers(module)

    def _on_model_changed(self, what: str) -> None:
        if what != "model":
            return
        opened = self.ctx.session.opened
        module = self._module()
        if opened is None or module is None:
            self.decisions.set_costs(None)
            self.weights.set_model(None)
            return
        from studio.optimize.prune.predict import model_costs

        names = [n for n in self._layer_names() if _has_weight(module, n)]
        self.decisions.set_costs(model_costs(opened.profile, module, names))
        self.weights.set_model(module)

    # ------------------------------------------------------------------------------------------- selection
    def _node_of(self, layer: str) -> str:
        opened = self.ctx.session.opened
        if opened is not None:
            for node in opened.model.graph.nodes:
                if node.module == layer:
                    return node.name
        return layer

    def _layer_of(self, node_name: str) -> str | None:
        opened = self.ctx.session.opened
        names = set(self._layer_names())
        if node_name in names:
            return node_name
        if opened is not None:
            for node in opened.model.graph.nodes:
                if node.name == node_name and node.module in names:
                    return node.module
        return None

    def _user_selects(self, layer: str) -> None:
        self.select(layer)
        self.ctx.select_layer(self._node_of(layer))

    def _on_layer_selected_elsewhere(self, node_name: str) -> None:
        layer = self._layer_of(node_name)
        if layer is not None and layer != self.selected:
            self.select(layer)

    def select(self, layer: str) -> None:
        """Show ``layer`` as selected in the curves, heatmap, table, slider and weights."""
        self.selected = layer
        self.curves.select(layer)
        self.table.select_layer(layer)
        self.weights.show_layer(layer)
        self.slider.setEnabled(True)
        self._refresh_slider()
        self.curves.set_decision(layer, self.decisions.sparsity(layer))

    # ------------------------------------------------------------------------------------------- decisions
    def _set_once(self, layer: str, value: float) -> None:
        self.decisions.set_sparsity(layer, value, merge=False)

    def _on_slider(self, value: int) -> None:
        if self.selected is not None:
            self.decisions.set_sparsity(self.selected, value / 100)

    def _refresh_slider(self) -> None:
        if self.selected is None:
            return
        value = self.decisions.sparsity(self.selected)
        self.slider.blockSignals(True)
        self.slider.setValue(round(100 * value))
        self.slider.blockSignals(False)
        self.slider_label.setText(f"<b>{self.selected}</b> sparsity: {100 * value:.0f} %")

    def _on_decisions_changed(self, what: str) -> None:
        if what == "scan":
            scan = self.decisions.scan
            self.curves.set_scan(scan)
            self.heatmap.set_scan(scan)
            self.table.set_layers(self.decisions.costs, self._layer_names())
        if what == "method":
            self.toolbar.set_method(self.decisions.method)
        if what in ("method", "scan"):
            self.ensure_channel_costs()
        scan = self.decisions.scan
        accuracies = {
            n: (scan.curve(n).accuracy_at(self.decisions.sparsity(n)) if scan and n in scan.names else None)
            for n in self._layer_names()
        }
        self.table.show_values(self.decisions.sparsities, accuracies)
        self._refresh_slider()
        if self.selected:
            self.curves.set_decision(self.selected, self.decisions.sparsity(self.selected))
        self._show_prediction()

    def _show_prediction(self) -> None:
        from studio.ui.format import human_bytes, human_count

        pred = self.decisions.prediction()
        costs = self.decisions.costs
        if pred is None or costs is None:
            return
        acc = "–" if pred.accuracy is None else f"{100 * pred.accuracy:.2f} %"
        base = ""
        if self.decisions.scan is not None:
            base = f" (dense {100 * self.decisions.scan.baseline_accuracy:.2f} %)"
        self.prediction.setText(
            f"Predicted: <b>{100 * pred.sparsity:.1f} %</b> sparsity · params <b>{human_count(pred.params)}</b> "
            f"of {human_count(costs.params)} · weights <b>{human_bytes(pred.size_bytes)}</b> of "
            f"{human_bytes(costs.weight_bytes)} · MACs <b>{human_count(pred.macs)}</b> of {human_count(costs.macs)}"
            f" · accuracy <b>{acc}</b>{base}"
        )


def _has_weight(module: Any, name: str) -> bool:
    try:
        return getattr(module.get_submodule(name), "weight", None) is not None
    except AttributeError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Open the panel on the demo (``--screenshot PNG`` scans first, renders, and exits)."""
    import argparse

    from PySide6.QtWidgets import QApplication

    from studio.ui.stages.context import standalone_context
    from studio.ui.theme import apply_theme

    parser = argparse.ArgumentParser(prog="python -m studio.ui.prune.panel", description=main.__doc__)
    parser.add_argument("model", nargs="?", default="demo")
    parser.add_argument("--screenshot", help="scan, select a layer, allocate, save a PNG and quit")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "dark" if args.dark else "light")  # type: ignore[arg-type]
    ctx = standalone_context(args.model)
    panel = PrunePanel(ctx)
    panel.resize(1400, 900)
    panel.setWindowTitle("Prune — TinyML Studio")
    panel.show()
    if args.screenshot:
        from studio.ui.prune.screenshot import render_screenshot

        return render_screenshot(app, panel, args.screenshot)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
