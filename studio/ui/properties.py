"""The properties dock: everything known about the selected node, and the model summary when none is selected."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from studio.ui.format import human_bytes, human_count, shape_text


def _attr_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if hasattr(value, "dtype") and hasattr(value, "shape"):  # an array; numpy stays unimported until a model shows
        return f"array {shape_text(value.shape)} {value.dtype}"
    return str(value)


class PropertiesPanel(QWidget):
    """A two-column tree: sections (Node, Cost, Inputs, Outputs, Attributes, Parameters) of key/value rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Property", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)

    def _section(self, title: str, rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        section = QTreeWidgetItem(self.tree, [title, ""])
        font = section.font(0)
        font.setBold(True)
        section.setFont(0, font)
        for key, value in rows:
            item = QTreeWidgetItem(section, [key, value])
            item.setToolTip(1, value)
        section.setExpanded(True)

    def show_model(self, model: Any | None, profile: Any | None, extra: dict[str, str] | None = None) -> None:
        """Summary of the whole model: format, input shape, totals and anything in ``extra`` (e.g. accuracy)."""
        self.tree.clear()
        if model is None:
            return
        rows = [
            ("name", model.display_name),
            ("format", model.format),
            ("input", shape_text(model.input_shape)),
            ("nodes", str(len(model.graph.nodes))),
        ]
        if model.path is not None:
            rows.append(("file", str(model.path)))
        self._section("Model", rows)
        if profile is not None:
            t = profile.total
            self._section(
                "Totals",
                [
                    ("parameters", f"{human_count(t.params)} ({t.params:,})"),
                    ("MACs", f"{human_count(t.macs)} ({t.macs:,})"),
                    ("weights", human_bytes(t.weight_bytes)),
                    ("peak activations", human_bytes(t.peak_activation_bytes)),
                    ("latency", "–" if t.latency_ms is None else f"{t.latency_ms:.3f} ms"),
                ],
            )
        if extra:
            self._section("Results", list(extra.items()))

    def show_node(self, graph: Any, node_name: str, layer: Any | None) -> None:
        """Details of one node; ``layer`` is its profile row when there is one."""
        self.tree.clear()
        node = graph.node(node_name)
        self._section(
            "Node", [("name", node.name), ("op", node.op)] + ([("module", node.module)] if node.module else [])
        )
        if layer is not None:
            self._section(
                "Cost",
                [
                    ("parameters", f"{human_count(layer.params)} ({layer.params:,})"),
                    ("MACs", f"{human_count(layer.macs)} ({layer.macs:,})"),
                    ("weights", human_bytes(layer.weight_bytes)),
                    ("activation", human_bytes(layer.activation_bytes)),
                    ("latency", "–" if layer.latency_ms is None else f"{layer.latency_ms:.4f} ms"),
                ],
            )
        self._section("Inputs", [(t, shape_text(graph.tensor(t).shape)) for t in node.inputs])
        self._section("Outputs", [(t, shape_text(graph.tensor(t).shape)) for t in node.outputs])
        self._section("Attributes", [(k, _attr_text(v)) for k, v in sorted(node.attrs.items())])
        import numpy as np

        params = []
        for role, arr in node.params.items():
            a = np.asarray(arr)
            stats = ""
            if a.size and np.issubdtype(a.dtype, np.number):
                af = a.astype(np.float64, copy=False)
                stats = f"  min {af.min():.3g}  max {af.max():.3g}  |mean| {np.abs(af).mean():.3g}"
            params.append((role, f"{shape_text(a.shape)} {a.dtype}{stats}"))
        self._section("Parameters", params)
