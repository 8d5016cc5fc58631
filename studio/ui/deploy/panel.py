"""The Deploy stage panel. ``python -m studio.ui.deploy.panel`` opens it on the demo.

Pick a board (connected ones are marked), see the fit check, press Deploy: a job quantizes (if the model is
float), generates C, builds, flashes, verifies and validates on the board, with progress in the job panel.
The result fills the per-layer memory table, the arena timeline and the validation summary.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.deploy.timeline import ArenaTimelineView

_COLUMNS = ("layer", "op", "kernel", "flash (B)", "SRAM live (B)", "output (B)", "in place", "time", "per MAC")


class DeployPanel(QWidget):
    """Board picker, Deploy button, memory report, timeline, validation. Signals ``deployed(dict)`` and
    ``failed(str)`` fire when the job ends (tests wait on them)."""

    deployed = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: dict[str, Any] | None = None
        self.out_dir = Path(tempfile.mkdtemp(prefix="tinyml-deploy-"))
        self.board_box = QComboBox()
        self.samples = QSpinBox()
        self.samples.setRange(0, 2000)
        self.samples.setValue(20)
        self.kernel_box = QComboBox()
        self.kernel_box.setToolTip(
            "fast: kernels specialised per layer (SIMD on DSP cores); generic: the straightforward loops, "
            "for comparison. Both are bit-exact with the integer reference."
        )
        from studio.deploy.codegen.kernel_sets import kernel_set_names

        for name in kernel_set_names():
            self.kernel_box.addItem(name, name)
        self.deploy_button = QPushButton("Deploy")
        self.deploy_button.setDefault(True)
        self.deploy_button.clicked.connect(self.start_deploy)
        self.board_info = QLabel()
        self.board_info.setWordWrap(True)
        self.summary = QLabel("Pick a board and press Deploy: build, flash, verify and validate in one job.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.setAlternatingRowColors(True)
        self.timeline = ArenaTimelineView()

        top = QHBoxLayout()
        top.addWidget(QLabel("Board"))
        top.addWidget(self.board_box, 2)
        top.addWidget(QLabel("Validate"))
        top.addWidget(self.samples)
        top.addWidget(QLabel("samples"))
        top.addWidget(QLabel("Kernels"))
        top.addWidget(self.kernel_box)
        top.addWidget(self.deploy_button)
        results = QGroupBox("Validation on the device")
        QVBoxLayout(results).addWidget(self.summary)
        memory = QGroupBox("Memory: per layer, and the arena over time")
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.timeline)
        split.setSizes([250, 400])
        self.table.setMinimumHeight(200)
        QVBoxLayout(memory).addWidget(split)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.board_info)
        layout.addWidget(results)
        layout.addWidget(memory, 1)
        self._fill_boards()
        self.board_box.currentIndexChanged.connect(self._board_changed)
        self._board_changed()

    # --- boards
    def _fill_boards(self) -> None:
        from studio.deploy.board_registry import boards
        from studio.deploy.detect import detect_devices

        all_boards = boards()
        try:
            connected = {d.board_id for d in detect_devices(all_boards)}
        except Exception:  # detection must never keep the panel from opening
            connected = set()
        for b in all_boards:
            mark = "  ● connected" if b.id in connected else ("  (emulated)" if b.is_emulated else "")
            self.board_box.addItem(f"{b.name}{mark}", b.id)
        index = self.board_box.findData("qemu-m4")
        self.board_box.setCurrentIndex(max(index, 0))

    def board_id(self) -> str:
        return str(self.board_box.currentData())

    def _board_changed(self) -> None:
        from studio.deploy.board_registry import get_board
        from studio.deploy.toolchain import toolchain_status

        b = get_board(self.board_id())
        missing = toolchain_status(b)
        text = (
            f"{b.core}, {b.clock_hz / 1e6:.0f} MHz, flash {b.flash_bytes // 1024} KiB, SRAM {b.sram_bytes // 1024} KiB"
            f" · flashed by {', '.join(b.flashers)}"
        )
        if self.result and self.result.get("board") == b.id:
            fit = self.result["fit"]
            text += f" · uses {fit['flash_needed']} B flash and {fit['sram_needed']} B SRAM: fits"
        if missing:
            text += f"<br><span style='color:#B00020'>{missing}</span>"
        self.board_info.setText(text)
        self.deploy_button.setEnabled(missing is None)

    # --- deploy
    def start_deploy(self) -> None:
        """Submit the deploy job for the current model and board."""
        from studio.core.jobs import JobSpec
        from studio.workflows.deploy import deploy_job

        handle = self.ctx.session.handle()
        kwargs = {
            "spec": handle,
            "board_id": self.board_id(),
            "out_dir": str(self.out_dir / self.board_id()),
            "data_spec": self.ctx.data_spec(),
            "validate": self.samples.value(),
            "kernels": str(self.kernel_box.currentData()),
        }
        self.deploy_button.setEnabled(False)
        self.summary.setText(f"Deploying to {self.board_box.currentText()} …")
        spec = JobSpec(f"Deploy to {self.board_id()}", deploy_job, kwargs, runner="process")
        self.ctx.submit(spec, self._on_done, self._on_failed)

    def _on_failed(self, outcome: Any) -> None:
        self.deploy_button.setEnabled(True)
        message = getattr(outcome, "error", None) or str(outcome)
        self.summary.setText(f"<span style='color:#B00020'><b>Deploy failed:</b> {message}</span>")
        self.failed.emit(str(message))

    def _on_done(self, result: dict[str, Any]) -> None:
        self.deploy_button.setEnabled(True)
        self.show_result(result)
        self.ctx.status(f"Deployed to {result['board']}: {result['mismatches']} mismatches")
        self.deployed.emit(result)

    def show_result(self, result: dict[str, Any]) -> None:
        """Fill the summary, the per-layer table and the timeline from a deploy result."""
        self.result = result
        ok = result.get("mismatches", 0) == 0
        verdict = (
            "<span style='color:#1B7F3B'><b>bit-exact</b></span>"
            if ok
            else f"<span style='color:#B00020'><b>{result['mismatches']} mismatches</b></span>"
        )
        acc = result.get("accuracy")
        timing = result.get("instructions_per_inference") or result.get("cycles_per_inference")
        unit = "instructions" if "instructions_per_inference" in result else "cycles"
        kernels = result.get("kernels", "fast")
        lines = [
            f"{result['samples']} samples on {result['board_name']}: {verdict} with the host's integer reference"
            + (f" · device accuracy <b>{100 * acc:.1f}%</b>" if acc is not None else "")
            + (f" · <b>{timing:,}</b> {unit} per inference ({kernels} kernels)" if timing else ""),
            f"flash <b>{result['flash_bytes']:,} B</b> · SRAM <b>{result['peak_sram_bytes']:,} B</b> (arena "
            f"{result['arena_bytes']:,} B, lower bound {result['sram_lower_bound_bytes']:,} B, stack included)",
        ]
        if result.get("first_mismatch"):
            lines.append(f"first differing layer: {result['first_mismatch'].get('layer')}")
        self.summary.setText("<br>".join(lines))
        layers = result["memory"]["layers"]
        self.table.setRowCount(len(layers))
        self.table.horizontalHeaderItem(7).setText(unit[:5] + "." if unit == "instructions" else unit)
        for row, layer in enumerate(layers):
            per_mac = layer.get(f"{unit}_per_mac")
            values = (layer["name"], layer["kind"], layer["kernel"].removeprefix("studio_"), layer["flash_bytes"],
                      layer["sram_live_bytes"], layer["output_bytes"], layer["inplace"], layer.get(unit, ""),
                      f"{per_mac:.2f}" if per_mac else "")  # fmt: skip
            for col, value in enumerate(values):
                item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else str(value))
                if isinstance(value, int) or col == 8:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        self.timeline.show_report(result["memory"])
        self._board_changed()


def main(argv: list[str] | None = None) -> int:
    """Open the panel on the demo; ``--screenshot PNG`` deploys to qemu-m4, saves a picture and exits."""
    from studio.ui.stages.context import standalone_context

    argv = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([])
    ctx = standalone_context("demo")
    panel = DeployPanel(ctx)
    panel.resize(1100, 780)
    panel.setWindowTitle("TinyML Studio — Deploy")
    panel.show()
    if "--screenshot" in argv:
        target = argv[argv.index("--screenshot") + 1]
        panel.deployed.connect(lambda _r: (app.processEvents(), panel.grab().save(target), app.quit()))
        panel.failed.connect(lambda _m: app.exit(1))
        panel.start_deploy()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
