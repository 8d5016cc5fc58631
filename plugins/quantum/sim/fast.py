"""A numpy statevector path for one state with known angles: what the composer's live views run after an edit.

Why beside the torch simulator: for a single state the cost is per-operation overhead, not arithmetic; numpy's
is a few microseconds, torch's ten times that. Gate matrices are cached by (gate, angles), so an edit only builds
the matrix of the gate that changed. Same conventions and matrices as :mod:`plugins.quantum.sim.statevector`
(the matrices come from the gate library), checked equal in the tests.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from plugins.quantum.circuit.gates import gate
from plugins.quantum.circuit.model import Circuit


@functools.lru_cache(maxsize=8192)
def gate_matrix(name: str, angles: tuple[float, ...]) -> tuple[np.ndarray, bool]:
    """The gate's matrix (or its diagonal, with True) as complex128 numpy."""
    import torch

    spec = gate(name)
    params = [torch.tensor(a, dtype=torch.float64) for a in angles]
    if spec.diagonal is not None:
        return spec.diagonal(params, torch.complex128).numpy().reshape(-1), True
    return spec.matrix(params, torch.complex128).numpy().reshape(2**spec.num_qubits, -1), False  # type: ignore[misc]


def simulate_fast(
    circuit: Circuit, values: Mapping[str, float] | None = None, until_column: int | None = None
) -> np.ndarray:
    """The final statevector (``2**n`` complex128, qiskit ordering) of ``circuit`` with ``values`` for its symbols."""
    n = circuit.num_qubits
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1.0
    values = dict(values or {})
    for op in circuit.operations:
        if until_column is not None and op.column > until_column:
            break
        if op.name in ("measure", "barrier"):
            continue
        matrix, diagonal = gate_matrix(op.name, tuple(p.value(values) for p in op.params))
        state = apply(state, matrix, diagonal, op.qubits, n)
    return state


def apply(state: np.ndarray, matrix: np.ndarray, diagonal: bool, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """One gate on a ``2**n`` state."""
    if len(qubits) == 1:
        q = qubits[0]
        psi = state.reshape(2 ** (n - 1 - q), 2, 2**q)
        if diagonal:
            return (psi * matrix.reshape(1, 2, 1)).reshape(-1)
        return np.matmul(matrix, psi).reshape(-1)
    k = len(qubits)
    axes = [n - 1 - q for q in reversed(qubits)]
    psi = state.reshape([2] * n)
    if diagonal:
        psi = np.moveaxis(psi, axes, list(range(n - k, n)))
        out = psi * matrix.reshape([2] * k)
        return np.moveaxis(out, list(range(n - k, n)), axes).reshape(-1)
    out = np.tensordot(matrix.reshape([2] * (2 * k)), psi, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(out, list(range(k)), axes).reshape(-1)


def bloch_vectors(state: np.ndarray, n: int) -> np.ndarray:
    """``(n, 3)`` Bloch vectors of each qubit of a pure state."""
    out = np.zeros((n, 3))
    for q in range(n):
        psi = state.reshape(2 ** (n - 1 - q), 2, 2**q)
        a0, a1 = psi[:, 0, :], psi[:, 1, :]
        rho01 = np.vdot(a1, a0)
        out[q] = (2 * rho01.real, -2 * rho01.imag, np.vdot(a0, a0).real - np.vdot(a1, a1).real)
    return out
