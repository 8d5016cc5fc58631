"""Turns a :class:`~studio.graph.layout.GraphLayout` into scene items: overview tiles at once, details later.

Why slices: creating a few thousand Python items takes longer than a frame, so the detailed items are made by
a generator the view drains a few milliseconds at a time between events, while the overview already shows the
graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from studio.graph.ir import Graph, TensorInfo
from studio.graph.layout import EdgeKey, GraphLayout
from studio.ui.graph.node_colors import op_kind
from studio.ui.graph.scene_items import EdgeItem, NodeItem, OverviewTile
from studio.ui.graph.scene_style import SceneStyle

BAND_HEIGHT = 1500.0  # scene units per overview tile: small enough to cull, large enough to be few


def shape_text(info: TensorInfo) -> str:
    """``1x16x8x8`` for a tensor's shape; ``?`` for unknown dimensions; empty when the shape is unknown."""
    if info.shape is None:
        return ""
    return "x".join("?" if d is None else str(d) for d in info.shape)


def edge_labels(graph: Graph, layout: GraphLayout) -> dict[EdgeKey, str]:
    """The shape label of each edge; only one edge per (source, tensor) carries it, as they start together."""
    labels: dict[EdgeKey, str] = {}
    seen: set[tuple[str, str]] = set()
    for key in layout.edges:
        src, _dst, tensor = key
        if (src, tensor) in seen:
            continue
        seen.add((src, tensor))
        text = shape_text(graph.tensor(tensor))
        if text:
            labels[key] = text
    return labels


@dataclass
class OverviewData:
    """Everything the overview tiles draw, per horizontal band: bounds, node rectangles by kind, edge path.

    Made only of Qt value types (QRectF, QPainterPath), so :func:`prepare_overview` may run in the layout
    worker thread and keep the GUI thread free.
    """

    bands: list[tuple[QRectF, dict[str, list[QRectF]], QPainterPath]]


def prepare_overview(graph: Graph, layout: GraphLayout) -> OverviewData:
    """Group node rectangles and straight-line edges into bands of :data:`BAND_HEIGHT` (thread-safe)."""
    _left, top, _right, bottom = layout.bounds
    n_bands = max(1, int((bottom - top) // BAND_HEIGHT) + 1)
    rects: list[dict[str, list[QRectF]]] = [{} for _ in range(n_bands)]
    paths = [QPainterPath() for _ in range(n_bands)]
    bounds = [QRectF() for _ in range(n_bands)]
    for node in graph.nodes:
        box = layout.nodes[node.name]
        band = min(n_bands - 1, int((box.y - top) // BAND_HEIGHT))
        rect = QRectF(*box.rect)
        rects[band].setdefault(op_kind(node.op), []).append(rect)
        bounds[band] = bounds[band].united(rect)
    for points in layout.edges.values():
        band = min(n_bands - 1, int((points[0][1] - top) // BAND_HEIGHT))
        path = paths[band]
        path.moveTo(*points[0])
        for x, y in points[1:]:
            path.lineTo(x, y)
    bands = []
    for band in range(n_bands):
        if not rects[band] and paths[band].isEmpty():
            continue
        rect = bounds[band].united(paths[band].boundingRect()).adjusted(-2, -2, 2, 2)
        bands.append((rect, rects[band], paths[band]))
    return OverviewData(bands)


def build_overview(data: OverviewData, style: SceneStyle, parent: QGraphicsItem) -> list[OverviewTile]:
    """One :class:`OverviewTile` per band, children of ``parent`` (GUI thread)."""
    return [OverviewTile(rect, rects, path, style, parent) for rect, rects, path in data.bands]


def build_details(
    graph: Graph,
    layout: GraphLayout,
    style: SceneStyle,
    scene: QGraphicsScene,
    node_items: dict[str, NodeItem],
    marks: dict[str, str],
) -> Iterator[None]:
    """Create the detailed items one by one (yielding after each) as top-level items of ``scene`` (so its BSP
    index culls them) into ``node_items``, edges after nodes."""
    for node in graph.nodes:
        item = NodeItem(node.name, layout.nodes[node.name], op_kind(node.op), style, None)
        scene.addItem(item)
        if node.name in marks:
            item.set_mark(marks[node.name])
        node_items[node.name] = item
        yield
    labelled: set[tuple[str, str]] = set()  # one label per (source, tensor): its edges start together
    for (src, _dst, tensor), points in layout.edges.items():
        label = ""
        if (src, tensor) not in labelled:
            labelled.add((src, tensor))
            label = shape_text(graph.tensor(tensor))
        scene.addItem(EdgeItem(points, label, style, None))
        yield
