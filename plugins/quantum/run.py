"""Run a circuit the way the CLI's ``quantum run`` and the panel do: ideal, hand-built noise or a fake device.

One function per user operation, shared by the GUI and the CLI: :func:`run_circuit` (the studio's simulators)
and :func:`run_on_aer` (the same circuit, the same noise, on qiskit-aer, for "Verify with Aer"), plus
:func:`compare_with_aer`, which says whether the two agree within shot noise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.noise.sources import BackendNoiseConfig, NoiseConfig, build_noise_spec

#: Circuits up to this size take the exact density-matrix path under noise; larger ones average trajectories.
DENSITY_LIMIT = 8
TRAJECTORIES = 2000


@dataclass(frozen=True)
class RunResult:
    """Outcome probabilities (qiskit's bit order), optional shot counts, and how they were computed."""

    probabilities: dict[str, float]
    width: int
    method: str
    noise: str
    elapsed_ms: float
    counts: dict[str, int] | None = None
    shots: int | None = None
    transpile: dict[str, Any] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "probabilities": {k: round(v, 12) for k, v in sorted(self.probabilities.items())},
            "bit_order": "qiskit (bit 0 is the rightmost character)",
            "method": self.method,
            "noise": self.noise,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
        if self.counts is not None:
            out["shots"] = self.shots
            out["counts"] = dict(sorted(self.counts.items()))
        if self.transpile is not None:
            out["transpile"] = self.transpile
        return out


#: Library gates qiskit-aer has no instruction for; under hand-built noise both simulators run their decomposition.
AER_UNSUPPORTED = frozenset({"ch", "crx", "cry", "crz", "cu", "cswap"})


def aer_compatible(circuit: Circuit) -> Circuit:
    """``circuit`` with gates Aer lacks rewritten (by qiskit's transpiler) into gates it has; symbols are kept."""
    if not any(op.name in AER_UNSUPPORTED for op in circuit.operations):
        return circuit
    from qiskit import transpile

    from plugins.quantum.circuit.gates import GATES
    from plugins.quantum.qiskit_bridge.convert import from_qiskit, to_qiskit

    basis = [g.name for g in GATES if g.is_unitary and g.name not in AER_UNSUPPORTED] + ["measure"]
    rewritten = transpile(to_qiskit(circuit), basis_gates=basis, optimization_level=0)
    return from_qiskit(rewritten).circuit.with_values(circuit.values())


def _device_circuit(circuit: Circuit, noise: NoiseConfig | None) -> tuple[Circuit, Any, dict[str, Any] | None, Any]:
    """The circuit to simulate, its noise spec (remapped to its qubits), the transpile summary and report."""
    if noise is None:
        return circuit, None, None, None
    spec = build_noise_spec(noise)
    if isinstance(noise, BackendNoiseConfig):
        from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

        report = transpile_for_backend(circuit.with_values(circuit.values()), noise.backend)
        bound = report.circuit.with_values(circuit.values())
        spec = spec.remapped(dict(enumerate(report.physical)))
        return bound, spec, report.summary(), report
    return aer_compatible(circuit), spec, None, None


def outcome_distribution(
    circuit: Circuit, noise: NoiseConfig | None, seed: int = 0
) -> tuple[np.ndarray, int, str, Any]:
    """Outcome probabilities (numpy, ``2**width``), width, the method used and the transpile report (or None)."""
    import torch

    from plugins.quantum.sim.density import simulate_density
    from plugins.quantum.sim.outcomes import (
        apply_readout,
        density_probabilities,
        outcome_index_map,
        outcome_probabilities,
        readout_qubits,
        state_probabilities,
    )
    from plugins.quantum.sim.program import compile_circuit
    from plugins.quantum.sim.statevector import simulate

    sim_circuit, spec, _summary, report = _device_circuit(circuit, noise)
    program = compile_circuit(sim_circuit)
    values = sim_circuit.values()
    n = sim_circuit.num_qubits
    if spec is None or spec.is_empty:
        probs = state_probabilities(simulate(program, values, dtype=torch.complex128))
        method = "statevector (torch, complex128)"
    elif n <= DENSITY_LIMIT:
        probs = density_probabilities(simulate_density(program, values, noise=spec))
        method = "density matrix (torch, exact channels)"
    else:
        rng = np.random.default_rng(seed)
        states = simulate(program, values, dtype=torch.complex128, batch=TRAJECTORIES, noise=spec, rng=rng)
        probs = state_probabilities(states).mean(dim=0, keepdim=True)
        method = f"statevector trajectories (torch, {TRAJECTORIES} Pauli-error samples)"
    probs = apply_readout(probs, spec, readout_qubits(sim_circuit), n)
    out = outcome_probabilities(probs, sim_circuit)[0].detach().numpy()
    _, width = outcome_index_map(sim_circuit)
    return out, width, method, report


def run_circuit(
    circuit: Circuit, noise: NoiseConfig | None = None, shots: int | None = None, seed: int = 0
) -> RunResult:
    """Outcome probabilities of ``circuit`` (its stored symbol values), and ``shots`` sampled counts if asked.

    Raises StudioError subclasses for bad noise values, unknown devices, or circuits too large for a device.
    """
    import torch  # noqa: F401  (imported before the clock starts: the time reported is the simulation's)

    from plugins.quantum.sim.outcomes import as_bitstring_dict, sample_counts

    start = time.perf_counter()
    probs, width, method, report = outcome_distribution(circuit, noise, seed)
    elapsed = (time.perf_counter() - start) * 1000
    counts = sample_counts(probs, width, shots, np.random.default_rng(seed)) if shots else None
    label = "ideal" if noise is None else getattr(noise, "label", str(noise))
    return RunResult(
        as_bitstring_dict(probs, width, threshold=1e-15),
        width,
        method,
        label,
        elapsed,
        counts,
        shots,
        report.summary() if report is not None else None,
    )


def run_on_aer(circuit: Circuit, noise: NoiseConfig | None = None, shots: int = 4096, seed: int = 0) -> dict[str, int]:
    """Counts from qiskit-aer for the same circuit and noise (density-matrix method when noisy)."""
    from qiskit_aer import AerSimulator

    from plugins.quantum.noise.sources import build_aer_noise
    from plugins.quantum.qiskit_bridge.convert import to_qiskit
    from plugins.quantum.qiskit_bridge.transpile import with_measurements

    values = circuit.values()
    if isinstance(noise, BackendNoiseConfig):
        from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

        tqc = transpile_for_backend(circuit, noise.backend).qiskit_circuit
        if tqc.parameters:
            tqc = tqc.assign_parameters({p: values[p.name] for p in tqc.parameters})
        sim = AerSimulator(method="density_matrix", noise_model=build_aer_noise(noise), seed_simulator=seed)
        result = sim.run(tqc, shots=shots).result()
        return dict(result.get_counts())
    qc = to_qiskit(with_measurements(aer_compatible(circuit)), bind=values)
    if noise is None:
        sim = AerSimulator(method="statevector", seed_simulator=seed)
    else:
        sim = AerSimulator(method="density_matrix", noise_model=build_aer_noise(noise), seed_simulator=seed)
    return dict(sim.run(qc, shots=shots).result().get_counts())


def compare_with_aer(probabilities: dict[str, float], counts: dict[str, int]) -> dict[str, Any]:
    """How far Aer's counts are from our probabilities, in standard errors of the shot noise.

    ``agrees`` is True when every outcome is within 4.5 standard errors (plus one count), a bound a correct
    simulator fails with a probability far below one in a thousand for the outcome counts shown here.
    """
    shots = sum(counts.values())
    keys = set(probabilities) | set(counts)
    worst, tvd = 0.0, 0.0
    for k in keys:
        p = probabilities.get(k, 0.0)
        f = counts.get(k, 0) / shots
        tvd += abs(p - f) / 2
        sigma = math.sqrt(max(p * (1 - p), 1e-12) / shots) + 1.0 / shots
        worst = max(worst, abs(p - f) / sigma)
    return {"shots": shots, "total_variation": tvd, "max_z": worst, "agrees": worst <= 4.5}


def verify_with_aer_job(ctx: Any, circuit: Circuit, noise: NoiseConfig | None, shots: int = 4096) -> dict[str, Any]:
    """The "Verify with Aer" job: our probabilities, Aer's counts for the same circuit and noise, and the verdict."""
    ctx.progress(0, 2, "simulating with the studio's simulator")
    ours = run_circuit(circuit, noise)
    ctx.progress(1, 2, f"running {shots} shots on qiskit-aer")
    counts = run_on_aer(circuit, noise, shots=shots)
    ctx.progress(2, 2, "compared")
    return {
        "probabilities": ours.probabilities,
        "width": ours.width,
        "counts": counts,
        **compare_with_aer(ours.probabilities, counts),
    }


def transpile_job(ctx: Any, circuit: Circuit, backend: str, optimization_level: int = 1) -> Any:
    """The transpile view's job: the :class:`TranspileReport` for ``circuit`` on ``backend``."""
    from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

    ctx.progress(0, 1, f"transpiling to {backend}")
    report = transpile_for_backend(circuit, backend, optimization_level=optimization_level)
    ctx.progress(1, 1, "done")
    return report
