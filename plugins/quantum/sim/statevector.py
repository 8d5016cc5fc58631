"""The studio's batched statevector simulator in torch: complex64 or complex128, differentiable, any batch.

A state is a ``(B, 2**n)`` tensor; amplitude index ``sum_q bit_q 2**q`` (qubit 0 is the least significant bit, as
in qiskit, so ``|q1 q0>`` amplitudes line up with ``qiskit.quantum_info.Statevector``). Gates whose matrices depend
on a batch of angles are applied to the whole batch with one matrix product; a state of batch 1 broadcasts.

Noise injection (QuantumNAT): with a :class:`~plugins.quantum.noise.model.NoiseModelSpec`, after each gate every
sample independently gets a Pauli error drawn from the gate's twirled channel, so averaging over samples gives
the Pauli-twirled noisy result, and training sees the noise it will meet. Measurements are terminal here (they
do not collapse the state); readout error is applied to outcome probabilities (:mod:`plugins.quantum.sim.outcomes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plugins.quantum.noise.model import NoiseModelSpec
from plugins.quantum.sim.program import Program, SimulationError, Step

Tensor = Any


def zero_state(num_qubits: int, dtype: Any, batch: int = 1) -> Tensor:
    import torch

    state = torch.zeros(batch, 2**num_qubits, dtype=dtype)
    state[:, 0] = 1
    return state


def _axes(qubits: tuple[int, ...], n: int) -> list[int]:
    # Tensor axis of qubit q in a (B, 2, ..., 2) view is 1 + (n - 1 - q); the gate's most significant qubit first.
    return [n - q for q in reversed(qubits)]


def apply_matrix(state: Tensor, matrix: Tensor, qubits: tuple[int, ...], n: int) -> Tensor:
    """``matrix`` (``(d, d)`` or ``(B, d, d)``) applied to ``qubits`` of ``state`` ``(B, 2**n)``."""
    k = len(qubits)
    if k == 1:
        q = qubits[0]
        psi = state.reshape(state.shape[0], 2 ** (n - 1 - q), 2, 2**q)
        out = (matrix if matrix.dim() == 2 else matrix.unsqueeze(1)) @ psi
        return out.reshape(out.shape[0], -1)
    b = state.shape[0]
    axes = _axes(qubits, n)
    dest = list(range(n + 1 - k, n + 1))
    psi = state.reshape(b, *([2] * n)).movedim(axes, dest).reshape(b, -1, 2**k)
    out = psi @ matrix.transpose(-1, -2)
    bo = out.shape[0]
    return out.reshape(bo, *([2] * n)).movedim(dest, axes).reshape(bo, -1)


def apply_diagonal(state: Tensor, diag: Tensor, qubits: tuple[int, ...], n: int) -> Tensor:
    """Multiply by a diagonal gate (``(d,)`` or ``(B, d)``) on ``qubits``."""
    k = len(qubits)
    b = state.shape[0]
    db = diag.reshape(-1, 2**k).shape[0] if diag.dim() > 1 else 1
    if k == 1:
        q = qubits[0]
        psi = state.reshape(b, 2 ** (n - 1 - q), 2, 2**q)
        d = diag.reshape(db, 1, 2, 1)
        out = psi * d
        return out.reshape(out.shape[0], -1)
    axes = _axes(qubits, n)
    dest = list(range(n + 1 - k, n + 1))
    psi = state.reshape(b, *([2] * n)).movedim(axes, dest)
    d = diag.reshape(db, *([1] * (n - k)), *([2] * k))
    out = psi * d
    return out.movedim(dest, axes).reshape(out.shape[0], -1)


def one_qubit_matrix(step: Step, angles: Tensor, dtype: Any) -> Tensor:
    """The (possibly batched) 2x2 matrix of a 1-qubit gate step, dense even for diagonal gates."""
    import torch

    params = [angles[:, s] for s in step.slots]
    if step.spec.diagonal is not None:
        return torch.diag_embed(step.spec.diagonal(params, dtype))
    return step.spec.matrix(params, dtype)  # type: ignore[misc]


def apply_step(state: Tensor, step: Step, angles: Tensor, n: int, dtype: Any) -> Tensor:
    """Apply one gate (barriers and measurements leave the state as it is)."""
    spec = step.spec
    if not spec.is_unitary:
        return state
    params = [angles[:, s] for s in step.slots]
    if spec.diagonal is not None:
        return apply_diagonal(state, spec.diagonal(params, dtype), step.op.qubits, n)
    return apply_matrix(state, spec.matrix(params, dtype), step.op.qubits, n)  # type: ignore[misc]


def apply_pauli_errors(state: Tensor, paulis: np.ndarray, qubits: tuple[int, ...], n: int) -> Tensor:
    """Apply, to sample ``b``, the Pauli with index ``paulis[b]`` on ``qubits`` (digits as in ``pauli_matrix``).

    Y is applied as X·Z: the missing factor i is a global phase of that sample, which no outcome can see.
    """
    import torch

    batch = len(paulis)
    if state.shape[0] == 1 and batch > 1:
        state = state.expand(batch, -1)
    for j, q in enumerate(qubits):
        digit = (paulis >> (2 * j)) & 3
        x_flag = torch.from_numpy((digit == 1) | (digit == 2))
        z_flag = torch.from_numpy((digit == 2) | (digit == 3))
        psi = state.reshape(batch, 2 ** (n - 1 - q), 2, 2**q)
        if z_flag.any():
            sign = torch.ones(batch, 1, 2, 1, dtype=state.real.dtype)
            sign[z_flag, 0, 1, 0] = -1
            psi = psi * sign
        if x_flag.any():
            psi = torch.where(x_flag.view(batch, 1, 1, 1), psi.flip(2), psi)
        state = psi.reshape(batch, -1)
    return state


def sample_pauli_errors(
    program: Program, noise: NoiseModelSpec, batch: int, rng: np.random.Generator, noise_factor: float = 1.0
) -> dict[int, np.ndarray]:
    """For each noisy step (by index), the Pauli drawn for every sample; steps where none erred are left out."""
    drawn: dict[int, np.ndarray] = {}
    for k, step in enumerate(program.steps):
        channel = noise.channel(step.op.name, step.op.qubits)
        if channel is None or not step.spec.is_unitary:
            continue
        probs = channel.pauli_probabilities
        if noise_factor != 1.0:
            probs = probs.copy()
            probs[1:] *= noise_factor
            if probs[1:].sum() > 1:
                raise SimulationError(f"noise factor {noise_factor:g} makes an error probability exceed 1")
            probs[0] = 1 - probs[1:].sum()
        paulis = rng.choice(len(probs), size=batch, p=probs)
        if paulis.any():
            drawn[k] = paulis
    return drawn


def simulate(
    program: Program,
    values: Mapping[str, Any] | Tensor | None = None,
    *,
    dtype: Any = None,
    batch: int | None = None,
    noise: NoiseModelSpec | None = None,
    rng: np.random.Generator | None = None,
    noise_factor: float = 1.0,
    until_column: int | None = None,
    initial: Tensor | None = None,
) -> Tensor:
    """Final statevectors ``(B, 2**n)`` for a batch of symbol values (or ``batch`` copies).

    With ``noise``, each sample is one noisy trajectory (Pauli errors drawn with ``rng``). ``until_column`` stops
    after that column (the step slider). Raises :class:`SimulationError` for missing or mis-shaped values.
    """
    import torch

    dtype = dtype or torch.complex64
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    n = program.num_qubits
    angles = program.angles(values, real)
    b = max(angles.shape[0], batch or 1)
    state = initial if initial is not None else zero_state(n, dtype)
    errors: dict[int, np.ndarray] = {}
    if noise is not None and not noise.is_empty:
        errors = sample_pauli_errors(program, noise, b, rng or np.random.default_rng(), noise_factor)
    # Runs of 1-qubit gates on a qubit are multiplied into one 2x2 matrix first (gate fusion): a product of
    # (B, 2, 2) matrices is far cheaper than a pass over the (B, 2**n) state. A qubit's pending product is
    # applied before anything else touches that qubit (a multi-qubit gate, an injected error) and at the end.
    pending: dict[int, Tensor] = {}

    def flush(qubits: tuple[int, ...]) -> None:
        nonlocal state
        for q in qubits:
            if q in pending:
                state = apply_matrix(state, pending.pop(q), (q,), n)

    for k, step in enumerate(program.steps):
        if until_column is not None and step.op.column > until_column:
            break
        if not step.spec.is_unitary:
            continue
        qubits = step.op.qubits
        if len(qubits) == 1 and k not in errors:
            m = one_qubit_matrix(step, angles, dtype)
            pending[qubits[0]] = m if qubits[0] not in pending else m @ pending[qubits[0]]
            continue
        flush(qubits)
        state = apply_step(state, step, angles, n, dtype)
        if k in errors:
            state = apply_pauli_errors(state, errors[k], qubits, n)
    flush(tuple(pending))
    if state.shape[0] == 1 and b > 1:
        state = state.expand(b, -1)
    return state
