"""What the builder's live views show after an edit: one Qt-free call, timed by the benchmark (< 10 ms, 8 qubits).

:func:`live_snapshot` simulates the circuit up to a column (the step slider), ideal or under noise, and returns
outcome probabilities, the statevector (ideal runs), each qubit's Bloch vector, the density matrix (noisy runs
of up to :data:`DENSITY_VIEW_QUBITS` qubits) and sampled shot counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.noise.sources import BackendNoiseConfig, NoiseConfig

DENSITY_VIEW_QUBITS = 6


@dataclass(frozen=True)
class LiveSnapshot:
    """Everything the live views draw for one circuit state."""

    probabilities: np.ndarray  # outcome probabilities, index = outcome bits (qiskit order)
    width: int
    amplitudes: np.ndarray | None  # the ideal statevector of the logical circuit (2**n complex), noisy runs too
    bloch: np.ndarray  # (n, 3)
    density: np.ndarray | None
    counts: dict[str, int] | None
    method: str
    elapsed_ms: float  # the simulation itself
    num_qubits: int
    transpile: dict[str, Any] | None = None
    prepare_ms: float = 0.0  # building the noise model and transpiling to the device


def without_terminal_measurements(circuit: Circuit) -> Circuit:
    """``circuit`` less the measurements nothing follows (they change no outcome probability, but they would
    dephase the density matrix the view shows)."""
    last: dict[int, int] = {}
    for k, op in enumerate(circuit.operations):
        if op.name != "barrier":
            for q in op.qubits:
                last[q] = k
    keep = [op for k, op in enumerate(circuit.operations) if not (op.name == "measure" and last.get(op.qubits[0]) == k)]
    return circuit.with_operations(keep)


def _truncate(circuit: Circuit, column: int | None) -> Circuit:
    if column is None:
        return circuit
    return circuit.with_operations(op for op in circuit.operations if op.column <= column)


def live_snapshot(
    circuit: Circuit,
    noise: NoiseConfig | None = None,
    column: int | None = None,
    shots: int = 0,
    seed: int = 0,
    spec: Any = None,
) -> LiveSnapshot:
    """Simulate ``circuit`` up to ``column`` (all of it when None); ``spec`` reuses an already built noise model.

    Under a device's noise the circuit is transpiled first and ``column`` is ignored (device columns differ).
    Raises StudioError subclasses for missing symbol values, bad noise values or unknown devices.
    """
    from plugins.quantum.noise.sources import build_noise_spec
    from plugins.quantum.run import aer_compatible
    from plugins.quantum.sim.density import simulate_density
    from plugins.quantum.sim.fast import bloch_vectors, simulate_fast
    from plugins.quantum.sim.outcomes import (
        apply_readout,
        bloch_vectors_from_density,
        density_probabilities,
        outcome_index_map,
        outcome_probabilities,
        readout_qubits,
        sample_counts,
    )
    from plugins.quantum.sim.program import compile_circuit

    start = time.perf_counter()
    transpile = None
    if noise is None:
        sim = _truncate(circuit, column)
    elif isinstance(noise, BackendNoiseConfig):
        from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

        report = transpile_for_backend(circuit, noise.backend)
        sim = report.circuit.with_values(circuit.values())
        spec = (spec or build_noise_spec(noise)).remapped(dict(enumerate(report.physical)))
        transpile = report.summary()
    else:
        sim = aer_compatible(_truncate(circuit, column))
        spec = spec or build_noise_spec(noise)
    prepared = time.perf_counter()
    n = sim.num_qubits
    values = sim.values()
    amplitudes = density = None
    index, width = outcome_index_map(sim)
    if spec is None:
        amplitudes = simulate_fast(sim, values)
        probs_np = amplitudes.real**2 + amplitudes.imag**2
        outcome = np.bincount(index, weights=probs_np, minlength=2**width)
        counts = sample_counts(outcome, width, shots, np.random.default_rng(seed)) if shots else None
        done = time.perf_counter()
        return LiveSnapshot(
            outcome, width, amplitudes, bloch_vectors(amplitudes, n), None, counts, "statevector",
            (done - prepared) * 1000, n, None, (prepared - start) * 1000,
        )  # fmt: skip
    amplitudes = simulate_fast(_truncate(circuit, column), circuit.values()) if circuit.num_qubits <= 12 else None
    program = compile_circuit(without_terminal_measurements(sim))
    rho = simulate_density(program, values, noise=spec)
    probs = apply_readout(density_probabilities(rho), spec, readout_qubits(sim), n)
    bloch = bloch_vectors_from_density(rho, n)[0].numpy()
    density = rho[0].numpy() if n <= DENSITY_VIEW_QUBITS else None
    method = "density matrix"
    outcome = outcome_probabilities(probs, sim)[0].numpy()
    counts = sample_counts(outcome, width, shots, np.random.default_rng(seed)) if shots else None
    done = time.perf_counter()
    return LiveSnapshot(
        outcome, width, amplitudes, bloch, density, counts, method, (done - prepared) * 1000, n, transpile,
        (prepared - start) * 1000,
    )  # fmt: skip
