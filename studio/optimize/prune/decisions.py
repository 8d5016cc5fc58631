"""The Prune stage's per-layer decisions, Qt-free: method, sparsity per layer, the scan they are read from.

Why an evented object with commands: the table, the slider and the curves all edit the same numbers, and
every edit must be undoable on the session's stack (the window's Ctrl+Z) and visible in every view at once.
Views call :meth:`PruneDecisions.set_sparsity` / :meth:`set_all`, which push commands; they listen to
``changed(what)`` with ``what`` in ``"sparsity"``, ``"scan"``, ``"method"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.core.commands import Command, UndoStack
from studio.core.events import EventEmitter

if TYPE_CHECKING:
    from studio.analysis.sensitivity.result import ScanResult
    from studio.optimize.prune.predict import ModelCosts, Prediction


class PruneDecisions:
    """Sparsity per layer (missing = dense), the pruning method, and the scan and costs behind predictions."""

    def __init__(self, undo_stack: UndoStack | None = None) -> None:
        self.undo_stack = undo_stack if undo_stack is not None else UndoStack()
        self.changed = EventEmitter("prune_decisions.changed")
        self.sparsities: dict[str, float] = {}
        self.method = "magnitude"
        self.scan: ScanResult | None = None
        self.costs: ModelCosts | None = None

    # -- inputs that are measurements, not edits (no undo)
    def set_scan(self, scan: ScanResult | None, costs: ModelCosts | None) -> None:
        """Show a new scan (and the layer costs of the model it was taken on)."""
        self.scan = scan
        self.costs = costs
        self.changed.emit("scan")

    def set_costs(self, costs: ModelCosts | None) -> None:
        self.costs = costs
        self.changed.emit("scan")

    # -- edits (commands)
    def set_sparsity(self, layer: str, value: float, merge: bool = True) -> None:
        """Set one layer's sparsity as an undoable command; consecutive edits of one layer merge (a drag)."""
        value = round(min(max(float(value), 0.0), 0.99), 4)
        if self.sparsities.get(layer, 0.0) == value:
            return
        self.undo_stack.push(_SetSparsitiesCommand(self, {layer: value}, f"Set {layer} sparsity {value:.0%}", merge))

    def set_all(self, sparsities: dict[str, float], text: str) -> None:
        """Replace every layer's sparsity at once (allocation, search, reset) as one undo step."""
        wanted = {k: round(float(v), 4) for k, v in sparsities.items() if v > 0}
        full = {name: wanted.get(name, 0.0) for name in set(self.sparsities) | set(wanted)}
        self.undo_stack.push(_SetSparsitiesCommand(self, full, text, merge=False))
        self.undo_stack.end_merge()

    def set_method(self, method: str) -> None:
        """Change the pruning method (undoable)."""
        if method != self.method:
            old = self.method
            self.undo_stack.push(_MethodCommand(self, old, method))

    def end_drag(self) -> None:
        """A drag or slider move ended: the next edit starts a new undo step."""
        self.undo_stack.end_merge()

    # -- reading
    def sparsity(self, layer: str) -> float:
        return self.sparsities.get(layer, 0.0)

    def prediction(self) -> Prediction | None:
        """The predicted model for the current decisions, or ``None`` before costs are known."""
        from studio.optimize.prune.predict import predict

        if self.costs is None:
            return None
        return predict(self.costs, self.sparsities, self.scan, self.method)

    def step_params(self) -> dict[str, Any]:
        """The prune recipe step's params for the current decisions (per-layer sparsities)."""
        if self.method.count(":") == 1 and self.method != "n:m":
            return {"method": self.method}
        return {"method": self.method, "sparsities": {k: v for k, v in self.sparsities.items() if v > 0}}


class _SetSparsitiesCommand(Command):
    def __init__(self, owner: PruneDecisions, values: dict[str, float], text: str, merge: bool) -> None:
        self.owner = owner
        self.new = dict(values)
        self.old = {k: owner.sparsities.get(k, 0.0) for k in values}
        self.text = text
        self.merge = merge

    def _write(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            if value > 0:
                self.owner.sparsities[name] = value
            else:
                self.owner.sparsities.pop(name, None)
        self.owner.changed.emit("sparsity")

    def do(self) -> None:
        self._write(self.new)

    def undo(self) -> None:
        self._write(self.old)

    def merge_with(self, other: Command) -> bool:
        if not (self.merge and isinstance(other, _SetSparsitiesCommand) and other.merge):
            return False
        if set(other.new) != set(self.new) or len(self.new) != 1:
            return False
        self.new = dict(other.new)
        self.text = other.text
        return True


class _MethodCommand(Command):
    def __init__(self, owner: PruneDecisions, old: str, new: str) -> None:
        self.owner, self.old, self.new = owner, old, new
        self.text = f"Pruning method {new}"

    def do(self) -> None:
        self.owner.method = self.new
        self.owner.changed.emit("method")

    def undo(self) -> None:
        self.owner.method = self.old
        self.owner.changed.emit("method")
