"""Small circuits for the quantum plugin's tests (built in code, nothing committed as binaries)."""

from __future__ import annotations

import pytest

from plugins.quantum.circuit.model import Circuit, circuit_from_ops, make_op


@pytest.fixture(autouse=True)
def _few_threads() -> None:
    import torch

    torch.set_num_threads(1)


def random_circuit(num_qubits: int, depth: int, seed: int, symbols: bool = False) -> Circuit:
    """A random circuit over most of the library (qiskit-comparable), optionally with symbolic angles."""
    import numpy as np

    from plugins.quantum.circuit.gates import GATES

    rng = np.random.default_rng(seed)
    gates = [g for g in GATES if g.is_unitary and g.num_qubits <= num_qubits]
    ops = []
    for _ in range(depth):
        g = gates[rng.integers(len(gates))]
        qubits = [int(q) for q in rng.choice(num_qubits, size=g.num_qubits, replace=False)]
        params: list = [float(v) for v in rng.uniform(-np.pi, np.pi, g.num_params)]
        if symbols and params:
            params[0] = f"{params[0]:.3f} + 2*theta"
        ops.append(make_op(g.name, qubits, params))
    return circuit_from_ops(num_qubits, ops)


@pytest.fixture
def bell() -> Circuit:
    return circuit_from_ops(2, [make_op("h", [0]), make_op("cx", [0, 1])])
