"""Transpilation to a fake device's coupling map and basis gates, with what it cost (SWAPs, 2-qubit gates, depth).

The transpiled circuit comes back as a builder circuit on the device qubits it uses (renumbered 0..k-1, with the
device index of each kept), so the torch simulators run it with that device's per-qubit noise. Every qubit is
measured into its own classical bit before transpiling when the circuit measures nothing, so outcome bits keep
naming logical qubits however routing permutes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins.quantum.circuit.model import Circuit, Operation
from plugins.quantum.qiskit_bridge.convert import from_qiskit, to_qiskit

TWO_QUBIT_BASIS = ("cx", "ecr", "cz", "rzz")
DEFAULT_SEED = 11


@dataclass(frozen=True)
class TranspileReport:
    """The device circuit and its cost next to the original's."""

    backend: str
    circuit: Circuit  # on the used device qubits, renumbered
    physical: tuple[int, ...]  # physical[k]: device qubit of circuit qubit k
    initial_layout: dict[int, int]  # logical qubit -> device qubit
    swaps: int
    two_qubit_gates: int
    depth: int
    original_two_qubit_gates: int
    original_depth: int
    counts: dict[str, int]
    optimization_level: int
    qiskit_circuit: Any  # the transpiled QuantumCircuit (device-wide), for Aer

    def summary(self) -> dict[str, Any]:
        """JSON-friendly numbers for the CLI and the view."""
        return {
            "backend": self.backend,
            "device_qubits": list(self.physical),
            "initial_layout": {str(k): v for k, v in self.initial_layout.items()},
            "swaps": self.swaps,
            "two_qubit_gates": self.two_qubit_gates,
            "depth": self.depth,
            "original_two_qubit_gates": self.original_two_qubit_gates,
            "original_depth": self.original_depth,
            "counts": self.counts,
            "optimization_level": self.optimization_level,
        }


def with_measurements(circuit: Circuit) -> Circuit:
    """``circuit`` itself when it measures, else with every qubit measured into the same-numbered bit."""
    if circuit.measured:
        return circuit
    column = circuit.num_columns
    ops = [Operation("measure", (q,), column=column, clbit=q) for q in range(circuit.num_qubits)]
    return Circuit(circuit.num_qubits, (*circuit.operations, *ops), num_clbits=circuit.num_qubits, name=circuit.name)


def _two_qubit_count(counts: dict[str, int]) -> int:
    from plugins.quantum.circuit.gates import gate, is_gate

    return sum(c for name, c in counts.items() if is_gate(name) and gate(name).num_qubits == 2)


def transpile_for_backend(
    circuit: Circuit, backend: str, optimization_level: int = 1, seed: int = DEFAULT_SEED
) -> TranspileReport:
    """Map ``circuit`` onto ``backend`` (a fake device name); symbols stay symbols (affine angles).

    Raises :class:`~plugins.quantum.noise.backends.UnknownBackendError` for a bad name and ``CircuitError`` when
    the circuit needs more qubits than the device has.
    """
    from qiskit.transpiler import generate_preset_pass_manager

    from plugins.quantum.circuit.model import CircuitError
    from plugins.quantum.noise.backends import load_backend, resolve_backend_name

    device = load_backend(backend)
    if circuit.num_qubits > device.num_qubits:
        raise CircuitError(f"{circuit.num_qubits} qubits do not fit on {backend} ({device.num_qubits} qubits)")
    measured = with_measurements(circuit)
    qc = to_qiskit(measured)
    pm = generate_preset_pass_manager(optimization_level=optimization_level, backend=device, seed_transpiler=seed)
    most_swaps = [0]

    def watch(**kwargs: Any) -> None:
        most_swaps[0] = max(most_swaps[0], kwargs["dag"].count_ops().get("swap", 0))

    tqc = pm.run(qc, callback=watch)
    imported = from_qiskit(tqc, compact=True)
    layout = (
        tqc.layout.initial_index_layout(filter_ancillas=True)
        if tqc.layout is not None
        else list(range(circuit.num_qubits))
    )
    counts = {k: int(v) for k, v in tqc.count_ops().items() if k not in ("barrier",)}
    return TranspileReport(
        backend=resolve_backend_name(backend),
        circuit=imported.circuit,
        physical=imported.physical,
        initial_layout={k: int(p) for k, p in enumerate(layout[: circuit.num_qubits])},
        swaps=max(0, most_swaps[0] - circuit.gate_counts().get("swap", 0)),
        two_qubit_gates=_two_qubit_count(counts),
        depth=imported.circuit.depth(),
        original_two_qubit_gates=_two_qubit_count(circuit.gate_counts()),
        original_depth=circuit.depth(),
        counts=counts,
        optimization_level=optimization_level,
        qiskit_circuit=tqc,
    )
