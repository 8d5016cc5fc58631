"""From states to what a user reads: outcome probabilities keyed like qiskit, readout error, Bloch vectors, shots.

Outcome keys follow qiskit's counts: with measurements, one character per classical bit, clbit 0 rightmost (a bit
no measurement writes reads 0; a clbit written twice keeps the last qubit measured into it); without
measurements, one character per qubit, qubit 0 rightmost (``Statevector.probabilities_dict()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.noise.model import NoiseModelSpec

Tensor = Any


def state_probabilities(state: Tensor) -> Tensor:
    """``|amplitude|^2``, ``(B, 2**n)`` real."""
    return state.real**2 + state.imag**2


def density_probabilities(rho: Tensor) -> Tensor:
    return rho.diagonal(dim1=-2, dim2=-1).real.clamp_min(0.0)


def measured_qubits(circuit: Circuit) -> dict[int, int]:
    """``clbit -> qubit`` for the last measurement into each classical bit."""
    out: dict[int, int] = {}
    for op in circuit.operations:
        if op.name == "measure" and op.clbit is not None:
            out[op.clbit] = op.qubits[0]
    return out


def readout_qubits(circuit: Circuit) -> tuple[int, ...]:
    """Qubits whose readout error applies: the measured ones, or all when the circuit measures nothing."""
    m = measured_qubits(circuit)
    return tuple(sorted(set(m.values()))) if m else tuple(range(circuit.num_qubits))


def apply_readout(probs: Tensor, noise: NoiseModelSpec | None, qubits: tuple[int, ...], n: int) -> Tensor:
    """Probabilities after each of ``qubits`` is read through its readout confusion matrix."""
    import torch

    from plugins.quantum.sim.statevector import apply_matrix

    if noise is None:
        return probs
    for q in qubits:
        matrix = noise.readout_matrix(q)
        if matrix is None:
            continue
        probs = apply_matrix(probs, torch.as_tensor(matrix.T, dtype=probs.dtype), (q,), n)
    return probs


def outcome_index_map(circuit: Circuit) -> tuple[np.ndarray, int]:
    """For each basis index of the qubits, the index of the outcome it reads as, and the number of outcome bits."""
    n = circuit.num_qubits
    basis = np.arange(2**n)
    m = measured_qubits(circuit)
    if not m:
        return basis, n
    width = circuit.num_clbits
    out = np.zeros_like(basis)
    for clbit, qubit in m.items():
        out |= ((basis >> qubit) & 1) << clbit
    return out, width


def outcome_probabilities(probs: Tensor, circuit: Circuit) -> Tensor:
    """``(B, 2**width)`` probabilities of the outcomes (see the module docstring for the ordering)."""
    import torch

    index, width = outcome_index_map(circuit)
    if width == circuit.num_qubits and (index == np.arange(len(index))).all():
        return probs
    out = torch.zeros(probs.shape[0], 2**width, dtype=probs.dtype)
    return out.index_add(1, torch.from_numpy(index), probs)


def as_bitstring_dict(probs: Any, width: int, threshold: float = 0.0) -> dict[str, float]:
    """``{"01": 0.5, ...}`` for one row of outcome probabilities (entries at or below ``threshold`` dropped)."""
    row = np.asarray(probs, dtype=float).reshape(-1)
    return {format(k, f"0{width}b"): float(p) for k, p in enumerate(row) if p > threshold}


def sample_counts(probs: Any, width: int, shots: int, rng: np.random.Generator) -> dict[str, int]:
    """Shot counts drawn from one row of outcome probabilities."""
    row = np.clip(np.asarray(probs, dtype=float).reshape(-1), 0.0, None)
    counts = rng.multinomial(shots, row / row.sum())
    return {format(k, f"0{width}b"): int(c) for k, c in enumerate(counts) if c}


def z_expectations(probs: Tensor, qubits: tuple[int, ...], n: int) -> Tensor:
    """``<Z_q>`` for each of ``qubits``, ``(B, len(qubits))``, from basis probabilities."""
    import torch

    basis = torch.arange(2**n)
    signs = torch.stack([1 - 2 * ((basis >> q) & 1) for q in qubits], dim=1).to(probs.dtype)
    return probs @ signs


def bloch_vectors_from_state(state: Tensor, n: int) -> Tensor:
    """``(B, n, 3)`` Bloch vectors (x, y, z) of each qubit's reduced state."""
    import torch

    b = state.shape[0]
    out = []
    for q in range(n):
        psi = state.reshape(b, 2 ** (n - 1 - q), 2, 2**q)
        a0, a1 = psi[:, :, 0, :], psi[:, :, 1, :]
        rho01 = (a0 * a1.conj()).sum(dim=(1, 2))
        z = (a0.abs() ** 2).sum(dim=(1, 2)) - (a1.abs() ** 2).sum(dim=(1, 2))
        out.append(torch.stack([2 * rho01.real, -2 * rho01.imag, z], dim=-1))
    return torch.stack(out, dim=1)


def bloch_vectors_from_density(rho: Tensor, n: int) -> Tensor:
    """``(B, n, 3)`` Bloch vectors from density matrices."""
    import torch

    b = rho.shape[0]
    out = []
    for q in range(n):
        t = rho.reshape(b, 2 ** (n - 1 - q), 2, 2**q, 2 ** (n - 1 - q), 2, 2**q)
        red = torch.einsum("bairajr->bij", t)
        out.append(torch.stack([2 * red[:, 0, 1].real, -2 * red[:, 0, 1].imag, (red[:, 0, 0] - red[:, 1, 1]).real], -1))
    return torch.stack(out, dim=1)
