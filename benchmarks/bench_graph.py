"""Graph open + layout time and graph-view frame times on large graphs (DESIGN.md target: open and lay out
in under 2 s; pan and zoom without a frame over 50 ms).

Models: the largest graph shipped with the onnx package's backend tests (``light_densenet121``, ~1,700
nodes) and synthetic DenseNet-like models of ~2,000 and ~3,000 nodes (DESIGN.md's size;
:mod:`benchmarks.densenet_like`). The baseline
for the ratio is what any ONNX tool pays first on the same file: ``onnx.load`` + shape inference.

Frame times: a ``GraphView`` (offscreen) is shown at 1280x800; a *frame* is one user step (fit, zoom in or
out, a pan step) plus the event processing that paints it, timed from the step to the end of painting.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.result import Target, bench_result, median, percentile

OPEN_LAYOUT_LIMIT_S = 2.0
FRAME_LIMIT_MS = 50.0
MAX_ZOOM_STEPS = 30
SYNTHETIC_SIZES = {"synthetic": 2000, "synthetic_3000": 3000}  # label -> target node count
QUICK_SYNTHETIC_SIZES = {"synthetic": 60}


def backend_test_models() -> list[Path]:
    """Every ``.onnx`` file shipped in the onnx package's backend test data."""
    import onnx

    root = Path(onnx.__file__).parent / "backend" / "test" / "data"
    return sorted(root.rglob("*.onnx"))


def largest_backend_test_model() -> tuple[Path, int]:
    """The backend test model with the most nodes, and its node count; ``FileNotFoundError`` if none."""
    import onnx

    best: tuple[Path, int] | None = None
    for path in backend_test_models():
        count = len(onnx.load(str(path), load_external_data=False).graph.node)
        if best is None or count > best[1]:
            best = (path, count)
    if best is None:
        raise FileNotFoundError("the onnx package ships no backend test models")
    return best


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls of ``fn`` and the last call's result."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return median(times), result


def onnx_baseline_s(path: Path, repeats: int) -> float:
    """Median time of ``onnx.load`` + ``onnx.shape_inference.infer_shapes`` on ``path``."""
    import onnx

    def load_and_infer() -> Any:
        return onnx.shape_inference.infer_shapes(onnx.load(str(path)))

    load_and_infer()  # warm-up: imports and file cache, as for the studio below
    return _timed(load_and_infer, repeats)[0]


def open_and_layout(path: Path, repeats: int) -> dict[str, Any]:
    """Median seconds of ``open_model`` and of ``layout_graph`` on ``path``, and the opened graph.

    A failing ``layout_graph`` is recorded as ``layout_error`` so the frame times can still be measured.
    """
    from studio.formats.registry import open_model

    open_model(path)  # warm-up: imports and file cache, as for the baseline
    open_s, model = _timed(lambda: open_model(path), repeats)
    out: dict[str, Any] = {
        "open_s": open_s,
        "graph": model.graph,
        "nodes": len(model.graph.nodes),
        "edges": len(model.graph.edges()),
    }
    try:
        from studio.graph.layout import layout_graph

        layout_graph(model.graph)
        out["layout_s"], _ = _timed(lambda: layout_graph(model.graph), repeats)
    except Exception as err:
        out["layout_error"] = f"{type(err).__name__}: {err}"
    return out


def frame_times(graph: Any, steps: int) -> dict[str, Any]:
    """Frame times (ms) of a shown GraphView: ``set_graph``, fit, zoom in/out steps and pan steps."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication

    from studio.ui.graph.view import GraphView

    app = QApplication.instance() or QApplication([])
    view = GraphView()
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    # What actually paints: the view's inner QGraphicsView viewport, or the view itself.
    inner = getattr(view, "canvas", view)
    canvas = inner.viewport() if isinstance(inner, QAbstractScrollArea) else inner

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                PaintCounter.count += 1
            return False

    counter = PaintCounter()
    canvas.installEventFilter(counter)

    def frame(step: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        step()
        canvas.update()
        app.processEvents()
        return (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    view.set_graph(graph)
    # The view lays out in a worker thread: wait for it, bounded.
    if hasattr(view, "wait_until_ready") and not view.wait_until_ready(60_000):
        raise TimeoutError("the graph view did not finish laying out within 60 s")
    app.processEvents()
    set_graph_ms = (time.perf_counter() - t0) * 1000

    fit = [frame(view.fit) for _ in range(3)]
    # Zoom in to natural size (or a fixed number of steps) so panning happens where nodes are detailed.
    zoom = []
    for _ in range(MAX_ZOOM_STEPS):
        zoom.append(frame(view.zoom_in))
        if getattr(inner, "zoom", 0.0) >= 1.0 or (not hasattr(inner, "zoom") and len(zoom) >= steps // 8):
            break
    zoom_steps_in = len(zoom)
    pan_method, pan_step = _pan_step(view, canvas, QAbstractScrollArea, QTest, QPoint, Qt)
    pan = [frame(lambda i=i: pan_step(i)) for i in range(steps)]
    zoom += [frame(view.zoom_out) for _ in range(zoom_steps_in)]
    paints = PaintCounter.count
    canvas.removeEventFilter(counter)
    view.close()
    view.deleteLater()
    app.processEvents()
    every = fit + zoom + pan
    return {
        "set_graph_ms": set_graph_ms,
        "fit_frame_ms": max(fit),
        "zoom_max_frame_ms": max(zoom),
        "pan_max_frame_ms": max(pan),
        "pan_p95_frame_ms": percentile(pan, 95),
        "max_frame_ms": max(every),
        "p95_frame_ms": percentile(every, 95),
        "frames": len(every),
        "paint_events": paints,
        "pan_method": pan_method,
        "zoom_steps_in": zoom_steps_in,
    }


def _pan_step(
    view: Any, canvas: Any, scroll_area: type, qtest: Any, qpoint: Any, qt: Any
) -> tuple[str, Callable[[int], None]]:
    """How to pan this view one step: its own ``pan_by``, its scroll bars, or a mouse drag."""
    dx, dy = 40, 25
    if hasattr(view, "pan_by"):
        return "pan_by", lambda i: view.pan_by(dx if (i // 20) % 2 == 0 else -dx, dy if i % 2 else -dy)
    if isinstance(view, scroll_area) and (  # a QGraphicsView-like view without pan_by
        view.horizontalScrollBar().maximum() > 0 or view.verticalScrollBar().maximum() > 0
    ):
        h, v = view.horizontalScrollBar(), view.verticalScrollBar()

        def scroll(i: int) -> None:
            sign = 1 if (i // 20) % 2 == 0 else -1
            h.setValue(h.value() + sign * dx)
            v.setValue(v.value() + sign * dy)

        return "scroll bars", scroll
    centre = canvas.rect().center()

    def drag(i: int) -> None:
        sign = 1 if (i // 20) % 2 == 0 else -1
        start = qpoint(centre.x(), centre.y())
        end = qpoint(centre.x() + sign * dx, centre.y() + sign * dy)
        qtest.mousePress(canvas, qt.MouseButton.LeftButton, qt.KeyboardModifier.NoModifier, start)
        qtest.mouseMove(canvas, end)
        qtest.mouseRelease(canvas, qt.MouseButton.LeftButton, qt.KeyboardModifier.NoModifier, end)

    return "mouse drag", drag


def _measure_model(label: str, path: Path, repeats: int, steps: int, errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"file": path.name}
    out["onnx_load_infer_s"] = onnx_baseline_s(path, repeats)
    try:
        opened = open_and_layout(path, repeats)
    except Exception as err:  # a missing or failing studio part is reported, not fatal to the run
        errors.append(f"{label}: open/layout failed: {type(err).__name__}: {err}")
        return out
    graph = opened.pop("graph")
    layout_error = opened.pop("layout_error", None)
    out.update(opened)
    if layout_error is None:
        out["open_layout_s"] = opened["open_s"] + opened["layout_s"]
    else:
        errors.append(f"{label}: layout failed: {layout_error}")
    try:
        out.update(frame_times(graph, steps))
    except Exception as err:
        errors.append(f"{label}: graph view frames failed: {type(err).__name__}: {err}")
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the backend and synthetic models; quick mode: a small backend model, a tiny synthetic one."""
    repeats, steps = (1, 8) if quick else (3, 80)
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tinyml-bench-graph-") as tmp:
        from benchmarks.densenet_like import write_densenet_like_onnx

        if quick:
            backend, _ = min(
                ((p, p.stat().st_size) for p in backend_test_models() if "light" in p.parts),
                key=lambda item: item[1],
            )
        else:
            backend, _ = largest_backend_test_model()
        models = {"backend": _measure_model("backend", backend, repeats, steps, errors)}
        for label, size in (QUICK_SYNTHETIC_SIZES if quick else SYNTHETIC_SIZES).items():
            path = write_densenet_like_onnx(Path(tmp) / f"densenet_like_{size}.onnx", size)
            models[label] = _measure_model(label, path, repeats, steps, errors)

    metrics: dict[str, Any] = {}
    baseline: dict[str, float] = {}
    ratios: dict[str, float] = {}
    targets: list[Target] = []
    for label, m in models.items():
        baseline[f"{label}.onnx_load_infer_s"] = m["onnx_load_infer_s"]
        for key, value in m.items():
            if key != "onnx_load_infer_s":
                metrics[f"{label}.{key}"] = value
        if "open_layout_s" in m:
            ratios[f"{label}.open_layout_vs_onnx_load_infer"] = m["open_layout_s"] / m["onnx_load_infer_s"]
            targets.append(Target(f"{label} open+layout s", m["open_layout_s"], "<", OPEN_LAYOUT_LIMIT_S))
        else:
            targets.append(Target(f"{label} open+layout measured", False, "==", True))
        if "max_frame_ms" in m:
            targets.append(Target(f"{label} max frame ms", m["max_frame_ms"], "<", FRAME_LIMIT_MS))
        else:
            targets.append(Target(f"{label} frame times measured", False, "==", True))
    return bench_result(
        description="graph open + layout (vs onnx.load + shape inference) and graph view frame times",
        metrics=metrics,
        baseline=baseline,
        ratios=ratios,
        targets=targets,
        notes=[*errors, f"{repeats} repeat(s) (median), {steps} pan steps, 1280x800 offscreen view"],
    )


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, default=str))
