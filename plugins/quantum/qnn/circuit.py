"""The classifier's circuit: a 4x4 angle encoder, then trainable blocks, then <Z> of every qubit.

Encoder (TorchQuantum's "4x4_ryzxy" layout): pixels 0-3 as RY, 4-7 as RZ, 8-11 as RX, 12-15 as RY on qubits 0-3.
Each block: RY and RZ with trainable angles on every qubit, then a ring of CX (0-1, 1-2, 2-3, 3-0); the ring
closes across the device, so on a line of qubits the transpiler must route it (the SWAPs show in the view).
Symbols: ``x0..x15`` are the inputs, ``w0..`` the weights; the circuit is an ordinary builder circuit, so the
panel can show it, QASM can hold it, and the same simulators run it.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugins.quantum.circuit.model import Circuit, Operation, circuit_from_ops

ENCODER_GATES = ("ry", "rz", "rx", "ry")


@dataclass(frozen=True)
class QnnArchitecture:
    """Shape of the variational classifier."""

    num_qubits: int = 4
    blocks: int = 2
    ring: bool = True

    @property
    def num_inputs(self) -> int:
        return len(ENCODER_GATES) * self.num_qubits

    @property
    def num_weights(self) -> int:
        return 2 * self.num_qubits * self.blocks

    def input_symbols(self) -> list[str]:
        return [f"x{k}" for k in range(self.num_inputs)]

    def weight_symbols(self) -> list[str]:
        return [f"w{k}" for k in range(self.num_weights)]


def build_qnn_circuit(arch: QnnArchitecture = QnnArchitecture(), measure: bool = False) -> Circuit:
    """The classifier circuit with symbolic inputs and weights (and a measurement per qubit if ``measure``)."""
    n = arch.num_qubits
    ops: list[Operation] = []
    for layer, name in enumerate(ENCODER_GATES):
        for q in range(n):
            ops.append(Operation(name, (q,), (f"x{layer * n + q}",)))  # type: ignore[arg-type]
    ops.append(Operation("barrier", tuple(range(n))))
    w = 0
    for _block in range(arch.blocks):
        for name in ("ry", "rz"):
            for q in range(n):
                ops.append(Operation(name, (q,), (f"w{w}",)))  # type: ignore[arg-type]
                w += 1
        pairs = [(q, q + 1) for q in range(n - 1)] + ([(n - 1, 0)] if arch.ring and n > 2 else [])
        ops += [Operation("cx", pair) for pair in pairs]
    if measure:
        ops += [Operation("measure", (q,), clbit=q) for q in range(n)]
    return circuit_from_ops(n, ops, name="qnn")
