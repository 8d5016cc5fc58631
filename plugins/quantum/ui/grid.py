"""The circuit grid: qubit wires by time steps, gates drawn as Composer draws them, drag and drop to edit.

The grid only draws a :class:`~plugins.quantum.circuit.model.Circuit` and reports what the user did through
Qt-free emitters (``dropped(name, column, row)``, ``moved(op, column, row)``, ``deleted(ops)``,
``editRequested(op)``, ``copied(ops)``, ``pasteRequested(column)``); the panel turns those into document edits,
so undo and the QASM text follow every change. A column can be highlighted (the step slider).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from plugins.quantum.circuit.angle import format_angle
from plugins.quantum.circuit.gates import gate
from plugins.quantum.circuit.model import Circuit, Operation
from plugins.quantum.ui.palette import GATE_MIME
from plugins.quantum.ui.style import ACCENT, CELL_H, CELL_W, GATE, LEFT, TOP, family_color, family_text
from studio.core.events import EventEmitter


def cell_center(column: int, row: int) -> QPointF:
    return QPointF(LEFT + column * CELL_W + CELL_W / 2, TOP + row * CELL_H + CELL_H / 2)


def cell_at(x: float, y: float) -> tuple[int, int]:
    """(column, row) under a scene point (may be out of range; callers clamp)."""
    return int((x - LEFT) // CELL_W), int((y - TOP) // CELL_H)


class CircuitGrid(QGraphicsView):
    """Draws a circuit and turns mouse and keyboard input into edit requests."""

    def __init__(self, parent: QWidget | None = None, editable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("circuit-grid")
        self.editable = editable
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setAcceptDrops(editable)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.circuit = Circuit(2)
        self.selected: set[Operation] = set()
        self.highlight_column: int | None = None
        self.drop_hint: tuple[int, int] | None = None
        self._drag_op: Operation | None = None
        self._drag_start: QPointF | None = None
        self.dropped = EventEmitter("grid.dropped")
        self.moved = EventEmitter("grid.moved")
        self.deleted = EventEmitter("grid.deleted")
        self.editRequested = EventEmitter("grid.edit")
        self.copied = EventEmitter("grid.copied")
        self.pasteRequested = EventEmitter("grid.paste")
        self.selectionChanged = EventEmitter("grid.selection")

    # --- model ----------------------------------------------------------------------------------------------
    def set_circuit(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.selected = {op for op in self.selected if op in set(circuit.operations)}
        self.redraw()

    def set_highlight(self, column: int | None) -> None:
        self.highlight_column = column
        self.redraw()

    def select(self, ops: set[Operation]) -> None:
        self.selected = set(ops)
        self.selectionChanged.emit(frozenset(self.selected))
        self.redraw()

    # --- drawing --------------------------------------------------------------------------------------------
    def redraw(self) -> None:
        s = self.scene_
        s.clear()
        pal = self.palette()
        fg = pal.text().color()
        wire = QColor(fg)
        wire.setAlpha(110)
        columns = max(self.circuit.num_columns + 3, 12)
        width = LEFT + columns * CELL_W + 20
        height = TOP + self.circuit.num_qubits * CELL_H + 10
        s.setSceneRect(0, 0, width, height)
        if self.highlight_column is not None:
            band = QColor(ACCENT)
            band.setAlpha(30)
            x = LEFT + (self.highlight_column + 1) * CELL_W
            s.addRect(QRectF(LEFT, TOP, x - LEFT, self.circuit.num_qubits * CELL_H), QPen(Qt.PenStyle.NoPen), band)
            s.addLine(x, TOP, x, TOP + self.circuit.num_qubits * CELL_H, QPen(QColor(ACCENT), 2, Qt.PenStyle.DashLine))
        label_font = QFont()
        label_font.setPointSizeF(10)
        for q in range(self.circuit.num_qubits):
            y = TOP + q * CELL_H + CELL_H / 2
            text = s.addSimpleText(f"q[{q}]", label_font)
            text.setBrush(fg)
            text.setPos(10, y - 8)
            s.addLine(LEFT - 6, y, width - 10, y, QPen(wire, 1.4))
        if self.drop_hint is not None:
            col, row = self.drop_hint
            c = cell_center(col, row)
            hint = QColor(ACCENT)
            hint.setAlpha(60)
            s.addRect(QRectF(c.x() - GATE / 2, c.y() - GATE / 2, GATE, GATE), QPen(QColor(ACCENT), 1.5), hint)
        for op in self.circuit.operations:
            self._draw_op(op, fg)

    def _box(self, center: QPointF, fill: QColor, selected: bool, w: float = GATE) -> None:
        pen = QPen(QColor(ACCENT) if selected else fill.darker(130), 3 if selected else 1)
        self.scene_.addRect(QRectF(center.x() - w / 2, center.y() - GATE / 2, w, GATE), pen, QBrush(fill))

    def _text(
        self, center: QPointF, text: str, color: QColor, size: float = 11, bold: bool = True, dy: float = 0
    ) -> None:
        font = QFont()
        font.setPointSizeF(size)
        font.setBold(bold)
        item = self.scene_.addSimpleText(text, font)
        item.setBrush(color)
        r = item.boundingRect()
        item.setPos(center.x() - r.width() / 2, center.y() - r.height() / 2 + dy)

    def _draw_op(self, op: Operation, fg: QColor) -> None:
        spec = gate(op.name)
        sel = op in self.selected
        fill, ink = family_color(spec.family), family_text(spec.family)
        centers = [cell_center(op.column, q) for q in op.qubits]
        s = self.scene_
        if op.name == "barrier":
            top, bottom = min(op.qubits), max(op.qubits)
            x = centers[0].x()
            pen = QPen(QColor("#8d8d8d"), 2, Qt.PenStyle.DashLine)
            s.addLine(x, TOP + top * CELL_H + 4, x, TOP + (bottom + 1) * CELL_H - 4, pen)
            shade = QColor("#8d8d8d")
            shade.setAlpha(50 if not sel else 110)
            s.addRect(
                QRectF(x - 8, TOP + top * CELL_H + 4, 16, (bottom - top + 1) * CELL_H - 8),
                QPen(Qt.PenStyle.NoPen),
                shade,
            )
            return
        if len(op.qubits) > 1:
            ys = [c.y() for c in centers]
            s.addLine(centers[0].x(), min(ys), centers[0].x(), max(ys), QPen(fill, 2.5))
        if op.name == "measure":
            self._box(centers[0], fill, sel)
            path = QPainterPath()
            c = centers[0]
            path.arcMoveTo(QRectF(c.x() - 12, c.y() - 6, 24, 22), 180)
            path.arcTo(QRectF(c.x() - 12, c.y() - 6, 24, 22), 180, -180)
            s.addPath(path, QPen(ink, 1.6))
            s.addLine(c.x(), c.y() + 5, c.x() + 8, c.y() - 8, QPen(ink, 1.6))
            self._text(QPointF(c.x() + 13, c.y() + 13), str(op.clbit), ink, 7, False)
            return
        for c in centers[: spec.controls]:
            r = 6 if not sel else 8
            s.addEllipse(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), QPen(fill), QBrush(fill))
        targets = centers[spec.controls :]
        if op.name in ("cx", "ccx"):
            c = targets[0]
            s.addEllipse(QRectF(c.x() - 13, c.y() - 13, 26, 26), QPen(QColor(ACCENT) if sel else fill, 2), QBrush(fill))
            s.addLine(c.x() - 8, c.y(), c.x() + 8, c.y(), QPen(ink, 2))
            s.addLine(c.x(), c.y() - 8, c.x(), c.y() + 8, QPen(ink, 2))
            return
        if op.name == "cz":
            c = targets[0]
            s.addEllipse(QRectF(c.x() - 6, c.y() - 6, 12, 12), QPen(fill), QBrush(fill))
            return
        if op.name in ("swap", "cswap"):
            for c in targets:
                pen = QPen(QColor(ACCENT) if sel else fill, 3)
                s.addLine(c.x() - 8, c.y() - 8, c.x() + 8, c.y() + 8, pen)
                s.addLine(c.x() - 8, c.y() + 8, c.x() + 8, c.y() - 8, pen)
            return
        if len(targets) > 1:  # rzz, ecr, rxx ...: one tall box over the rows
            top = min(t.y() for t in targets) - GATE / 2
            bottom = max(t.y() for t in targets) + GATE / 2
            pen = QPen(QColor(ACCENT) if sel else fill.darker(130), 3 if sel else 1)
            s.addRect(QRectF(targets[0].x() - GATE / 2, top, GATE, bottom - top), pen, QBrush(fill))
            center = QPointF(targets[0].x(), (top + bottom) / 2)
        else:
            center = targets[0]
            self._box(center, fill, sel)
        self._text(center, spec.label, ink, 11 if len(spec.label) < 3 else 9, dy=-5 if op.params else 0)
        if op.params:
            text = ",".join(_short(format_angle(p)) for p in op.params)
            self._text(center, text[:9], ink, 6.5, False, dy=9)

    # --- input ----------------------------------------------------------------------------------------------
    def _clamped(self, col: int, row: int) -> tuple[int, int]:
        return max(0, col), min(max(0, row), self.circuit.num_qubits - 1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(GATE_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not event.mimeData().hasFormat(GATE_MIME):
            return
        p = self.mapToScene(event.position().toPoint())
        self.drop_hint = self._clamped(*cell_at(p.x(), p.y()))
        self.redraw()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        self.drop_hint = None
        self.redraw()

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(GATE_MIME):
            return
        name = bytes(event.mimeData().data(GATE_MIME).data()).decode()
        p = self.mapToScene(event.position().toPoint())
        self.drop_hint = None
        col, row = self._clamped(*cell_at(p.x(), p.y()))
        event.acceptProposedAction()
        self.dropped.emit(name, col, row)

    def op_at_scene(self, x: float, y: float) -> Operation | None:
        col, row = cell_at(x, y)
        return self.circuit.at(col, row)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        p = self.mapToScene(event.position().toPoint())
        op = self.op_at_scene(p.x(), p.y())
        if op is None:
            self.select(set())
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.select(self.selected ^ {op})
        elif op not in self.selected:
            self.select({op})
        self._drag_op = op if self.editable else None
        self._drag_start = p
        self.setFocus()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        op, start = self._drag_op, self._drag_start
        self._drag_op = self._drag_start = None
        if op is None or start is None:
            return
        p = self.mapToScene(event.position().toPoint())
        if abs(p.x() - start.x()) < CELL_W / 2 and abs(p.y() - start.y()) < CELL_H / 2:
            return
        col, row = self._clamped(*cell_at(p.x(), p.y()))
        top = min(op.qubits) + row - cell_at(start.x(), start.y())[1]
        self.moved.emit(op, col, top)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        p = self.mapToScene(event.position().toPoint())
        op = self.op_at_scene(p.x(), p.y())
        if op is not None and self.editable:
            self.editRequested.emit(op)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.editable:
            return super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected:
            self.deleted.emit(list(self.selected))
        elif event.matches(QKeySequence.StandardKey.Copy) and self.selected:
            self.copied.emit(list(self.selected))
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.pasteRequested.emit(self.circuit.num_columns)
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select(set(self.circuit.operations))
        else:
            super().keyPressEvent(event)


def _short(text: str) -> str:
    return text.replace("pi", "π").replace(" ", "")
