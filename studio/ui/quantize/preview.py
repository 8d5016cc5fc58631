"""``python -m studio.ui.quantize.panel``: the Quantize stage on its own, on the demo model; with
``--screenshot PNG`` it scans, allocates bits for 9 KiB and quantizes synchronously, then saves the panel."""

from __future__ import annotations

import argparse
import sys

from studio.ui.quantize.panel import SCAN_BITS, QuantizePanel


def _run_demo_steps(panel: QuantizePanel) -> None:
    """Quantize and scan synchronously (for screenshots): what the jobs would do, in this process."""
    from studio.workflows.quantize import quantize_loaded
    from studio.workflows.quantize_scan import bit_scan_loaded

    session = panel.ctx.session
    model = session.opened.model
    panel.show_scan(bit_scan_loaded(model, "digits", {"bits": list(SCAN_BITS)}))
    panel.target_kib.setValue(9.0)
    panel.allocate()
    result = quantize_loaded(model, "digits", panel.params())
    session.derive(result.model, result.report["description"], result.step)
    panel.table.select_layer("conv2")


def main(argv: list[str] | None = None) -> int:
    """Open the stage on the demo (or render it to ``--screenshot``); returns the exit status."""
    from PySide6.QtWidgets import QApplication

    from studio.ui.stages.context import standalone_context
    from studio.ui.theme import apply_theme

    parser = argparse.ArgumentParser(prog="python -m studio.ui.quantize.panel")
    parser.add_argument("--screenshot", help="quantize and scan the demo, save a PNG of the panel and exit")
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, args.theme)
    ctx = standalone_context("demo")
    panel = QuantizePanel(ctx)
    panel.setWindowTitle("TinyML Studio — Quantize")
    panel.resize(1280, 860)
    panel.show()
    if args.screenshot:
        _run_demo_steps(panel)
        app.processEvents()
        panel.grab().save(args.screenshot)
        ctx.services.jobs.shutdown()
        return 0
    status = app.exec()
    ctx.services.jobs.shutdown()
    return status
