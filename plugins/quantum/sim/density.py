"""Exact density-matrix simulation in torch, with the noise model's Kraus channels after each gate.

Why: for small circuits (up to ~8 qubits, a 256x256 matrix) the exact noisy state is cheap, shows the density
matrix itself, and matches qiskit-aer's density-matrix method to 1e-6. A ``(B, 2**n, 2**n)`` matrix is treated as
a ``2n``-qubit vector: its row index holds qubits ``n..2n-1`` and its column index qubits ``0..n-1``, so
``U rho U^dagger`` is the statevector kernel applied twice (``U`` on the rows, ``conj(U)`` on the columns).

Measurements inside the circuit dephase the measured qubit (a measurement whose outcome nobody reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.quantum.noise.channels import Channel
from plugins.quantum.noise.model import NoiseModelSpec
from plugins.quantum.sim.program import Program, SimulationError
from plugins.quantum.sim.statevector import apply_diagonal, apply_matrix

Tensor = Any

#: Largest circuit the density path accepts (a 2^n x 2^n matrix per sample).
MAX_DENSITY_QUBITS = 10


def _as_vector(rho: Tensor) -> Tensor:
    return rho.reshape(rho.shape[0], -1)


def _rows_cols(qubits: tuple[int, ...], n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(q + n for q in qubits), tuple(qubits)


def conjugate_unitary(rho: Tensor, matrix: Tensor, qubits: tuple[int, ...], n: int) -> Tensor:
    """``U rho U^dagger`` for ``U`` on ``qubits``; ``rho`` is ``(B, 2**n, 2**n)``."""
    rows, cols = _rows_cols(qubits, n)
    v = apply_matrix(_as_vector(rho), matrix, rows, 2 * n)
    v = apply_matrix(v, matrix.conj(), cols, 2 * n)
    return v.reshape(v.shape[0], 2**n, 2**n)


def conjugate_diagonal(rho: Tensor, diag: Tensor, qubits: tuple[int, ...], n: int) -> Tensor:
    rows, cols = _rows_cols(qubits, n)
    v = apply_diagonal(_as_vector(rho), diag, rows, 2 * n)
    v = apply_diagonal(v, diag.conj(), cols, 2 * n)
    return v.reshape(v.shape[0], 2**n, 2**n)


def apply_channel(rho: Tensor, channel: Channel, qubits: tuple[int, ...], n: int, superop: Tensor = None) -> Tensor:
    """``sum_i K_i rho K_i^dagger`` on ``qubits``, as one product with the channel's superoperator.

    The superoperator's index is ``row * d + col``, so its low qubits are the columns of ``qubits`` (vector qubits
    ``q``) and its high qubits their rows (vector qubits ``n + q``).
    """
    import torch

    s = superop if superop is not None else torch.as_tensor(channel.superoperator, dtype=rho.dtype)
    v = apply_matrix(_as_vector(rho), s, tuple(qubits) + tuple(q + n for q in qubits), 2 * n)
    return v.reshape(v.shape[0], 2**n, 2**n)


def dephase(rho: Tensor, qubit: int, n: int) -> Tensor:
    """Zero the coherences between 0 and 1 on ``qubit`` (a non-selective measurement)."""
    import torch

    b = rho.shape[0]
    t = rho.reshape(b, 2 ** (n - 1 - qubit), 2, 2**qubit, 2 ** (n - 1 - qubit), 2, 2**qubit)
    mask = torch.eye(2, dtype=rho.real.dtype).view(1, 1, 2, 1, 1, 2, 1)
    return (t * mask).reshape(b, 2**n, 2**n)


def simulate_density(
    program: Program,
    values: Mapping[str, Any] | Tensor | None = None,
    *,
    noise: NoiseModelSpec | None = None,
    dtype: Any = None,
    until_column: int | None = None,
    twirled: bool = False,
) -> Tensor:
    """Final density matrices ``(B, 2**n, 2**n)``; ``twirled`` applies each channel's Pauli twirl instead.

    Raises :class:`SimulationError` above :data:`MAX_DENSITY_QUBITS` qubits or for missing symbol values.
    """
    import torch

    from plugins.quantum.noise.channels import pauli_channel

    n = program.num_qubits
    if n > MAX_DENSITY_QUBITS:
        raise SimulationError(f"the exact density-matrix path takes at most {MAX_DENSITY_QUBITS} qubits, not {n}")
    dtype = dtype or torch.complex128
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    angles = program.angles(values, real)
    rho = torch.zeros(1, 2**n, 2**n, dtype=dtype)
    rho[:, 0, 0] = 1
    twirl_cache: dict[int, Channel] = {}
    superops: dict[int, Tensor] = {}
    for step in program.steps:
        op = step.op
        if until_column is not None and op.column > until_column:
            break
        spec = step.spec
        if op.name == "measure":
            rho = dephase(rho, op.qubits[0], n)
            continue
        if not spec.is_unitary:
            continue
        params = [angles[:, s] for s in step.slots]
        if spec.diagonal is not None:
            rho = conjugate_diagonal(rho, spec.diagonal(params, dtype), op.qubits, n)
        else:
            rho = conjugate_unitary(rho, spec.matrix(params, dtype), op.qubits, n)  # type: ignore[misc]
        channel = noise.channel(op.name, op.qubits) if noise is not None else None
        if channel is not None:
            if twirled:
                key = id(channel)
                if key not in twirl_cache:
                    twirl_cache[key] = pauli_channel(channel.pauli_probabilities, channel.num_qubits)
                channel = twirl_cache[key]
            if id(channel) not in superops:
                superops[id(channel)] = torch.as_tensor(channel.superoperator, dtype=dtype)
            rho = apply_channel(rho, channel, op.qubits, n, superops[id(channel)])
    if rho.shape[0] == 1 and angles.shape[0] > 1:
        rho = rho.expand(angles.shape[0], -1, -1)
    return rho
