"""The torch simulators against qiskit: Statevector to 1e-6, Aer's density matrix to 1e-6, shots within noise."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.quantum.noise.sources import BackendNoiseConfig, HandNoiseConfig, build_aer_noise, build_noise_spec
from plugins.quantum.qiskit_bridge.convert import to_qiskit
from plugins.quantum.sim.density import simulate_density
from plugins.quantum.sim.outcomes import bloch_vectors_from_density, bloch_vectors_from_state, state_probabilities
from plugins.quantum.sim.program import compile_circuit
from plugins.quantum.sim.statevector import simulate
from tests.quantum.conftest import random_circuit

NOISE = HandNoiseConfig(
    depolarizing_1q=0.02, depolarizing_2q=0.06, amplitude_damping=0.01, t1_us=40, t2_us=30, readout_p01=0.03
)


@pytest.mark.parametrize(("n", "seed"), [(1, 0), (3, 1), (5, 2)])
def test_statevector_matches_qiskit_to_1e6_in_both_precisions(n: int, seed: int) -> None:
    import torch
    from qiskit.quantum_info import Statevector

    circuit = random_circuit(n, 12 * n, seed)
    ref = Statevector(to_qiskit(circuit)).data
    for dtype, tol in ((torch.complex128, 1e-10), (torch.complex64, 1e-6)):
        ours = simulate(compile_circuit(circuit), dtype=dtype)[0].numpy()
        assert np.abs(ours - ref).max() < tol


def test_batched_symbols_and_gradients_match_qiskit_and_finite_differences() -> None:
    import torch
    from qiskit.quantum_info import Statevector

    circuit = random_circuit(3, 30, seed=4, symbols=True)
    program = compile_circuit(circuit)
    thetas = torch.tensor([0.1, -0.7, 2.3], dtype=torch.float64, requires_grad=True)
    states = simulate(program, {"theta": thetas}, dtype=torch.complex128)
    assert states.shape == (3, 8)
    for k, t in enumerate(thetas.detach().tolist()):
        ref = Statevector(to_qiskit(circuit, bind={"theta": t})).data
        assert np.abs(states[k].detach().numpy() - ref).max() < 1e-10
    p0 = state_probabilities(states)[:, 0]
    p0.sum().backward()
    eps = 1e-6
    for k, t in enumerate(thetas.detach().tolist()):
        hi = state_probabilities(simulate(program, {"theta": t + eps}, dtype=torch.complex128))[0, 0]
        lo = state_probabilities(simulate(program, {"theta": t - eps}, dtype=torch.complex128))[0, 0]
        assert float(thetas.grad[k]) == pytest.approx(float(hi - lo) / (2 * eps), abs=1e-6)


def test_density_path_matches_aer_density_matrix_with_hand_noise() -> None:
    from qiskit_aer import AerSimulator

    from plugins.quantum.run import aer_compatible

    circuit = aer_compatible(random_circuit(3, 20, seed=6))
    rho = simulate_density(compile_circuit(circuit), noise=build_noise_spec(NOISE))[0].numpy()
    qc = to_qiskit(circuit)
    qc.save_density_matrix()
    aer = AerSimulator(method="density_matrix", noise_model=build_aer_noise(NOISE)).run(qc).result()
    ref = np.asarray(aer.data(0)["density_matrix"])
    assert np.abs(rho - ref).max() < 1e-6
    bloch = bloch_vectors_from_density(simulate_density(compile_circuit(circuit)), 3)[0].numpy()
    sv_bloch = bloch_vectors_from_state(simulate(compile_circuit(circuit), dtype=__import__("torch").complex128), 3)
    assert np.abs(bloch - sv_bloch[0].numpy()).max() < 1e-10


def test_fake_device_channels_match_aer_from_backend() -> None:
    from qiskit_aer import AerSimulator

    from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

    circuit = random_circuit(3, 12, seed=9)
    report = transpile_for_backend(circuit, "FakeManilaV2")
    spec = build_noise_spec(BackendNoiseConfig("FakeManilaV2")).remapped(dict(enumerate(report.physical)))
    unmeasured = report.circuit.with_operations(o for o in report.circuit.operations if o.name != "measure")
    ours = np.diag(simulate_density(compile_circuit(unmeasured), noise=spec)[0].numpy()).real
    qc = report.qiskit_circuit.remove_final_measurements(inplace=False)
    qc.save_probabilities(list(report.physical))
    sim = AerSimulator(method="density_matrix", noise_model=build_aer_noise(BackendNoiseConfig("FakeManilaV2")))
    ref = np.asarray(sim.run(qc).result().data(0)["probabilities"])
    assert np.abs(ours - ref).max() < 1e-6


def test_sampled_pauli_injection_agrees_with_the_twirled_density_matrix() -> None:
    import torch

    circuit = random_circuit(3, 16, seed=10)
    spec = build_noise_spec(HandNoiseConfig(depolarizing_1q=0.05, depolarizing_2q=0.1))
    program = compile_circuit(circuit)
    exact = np.diag(simulate_density(program, noise=spec, twirled=True)[0].numpy()).real
    states = simulate(program, batch=6000, noise=spec, rng=np.random.default_rng(0), dtype=torch.complex128)
    sampled = state_probabilities(states).mean(0).numpy()
    sigma = np.sqrt(exact * (1 - exact) / 6000) + 1e-4
    assert (np.abs(sampled - exact) < 5 * sigma).all()
    assert np.abs(sampled - np.diag(simulate_density(program)[0].numpy()).real).max() > 0.01  # the noise is real


@pytest.mark.parametrize("noise", [None, NOISE, BackendNoiseConfig("FakeManilaV2")], ids=["ideal", "hand", "manila"])
def test_run_circuit_agrees_with_aer_shots(noise: object) -> None:
    from plugins.quantum.circuit.model import circuit_from_ops, make_op
    from plugins.quantum.run import compare_with_aer, run_circuit, run_on_aer

    ghz = circuit_from_ops(
        3, [make_op("h", [0]), make_op("cx", [0, 1]), make_op("cx", [1, 2]), make_op("ry", [2], [0.4])]
    )
    result = run_circuit(ghz, noise)  # type: ignore[arg-type]
    assert sum(result.probabilities.values()) == pytest.approx(1.0)
    verdict = compare_with_aer(result.probabilities, run_on_aer(ghz, noise, shots=8000, seed=3))  # type: ignore[arg-type]
    assert verdict["agrees"], verdict
    if noise is None:
        assert set(result.probabilities) == {"000", "011", "100", "111"}
    else:
        assert result.probabilities.get("010", 0) > 0.003  # noise populates outcomes the ideal circuit never gives


def test_outcome_keys_follow_qiskit_bit_order() -> None:
    from qiskit.quantum_info import Statevector

    from plugins.quantum.circuit.model import circuit_from_ops, make_op
    from plugins.quantum.run import run_circuit

    circuit = circuit_from_ops(3, [make_op("x", [0]), make_op("h", [2])])
    ours = run_circuit(circuit).probabilities
    assert ours == pytest.approx(Statevector(to_qiskit(circuit)).probabilities_dict())
    assert set(ours) == {"001", "101"}
    measured = circuit_from_ops(3, [make_op("x", [0]), make_op("measure", [0], clbit=1)])
    assert run_circuit(measured).probabilities == {"10": pytest.approx(1.0)}


def test_a_scaled_device_model_runs_the_same_on_aer() -> None:
    from qiskit_aer import AerSimulator

    from plugins.quantum.noise.aer_bridge import spec_to_aer
    from plugins.quantum.qiskit_bridge.transpile import transpile_for_backend

    circuit = random_circuit(2, 8, seed=12)
    report = transpile_for_backend(circuit, "FakeBelemV2")
    device = build_noise_spec(BackendNoiseConfig("FakeBelemV2")).scaled(3.0)
    spec = device.remapped(dict(enumerate(report.physical)))
    unmeasured = report.circuit.with_operations(o for o in report.circuit.operations if o.name != "measure")
    ours = np.diag(simulate_density(compile_circuit(unmeasured), noise=spec)[0].numpy()).real
    qc = report.qiskit_circuit.remove_final_measurements(inplace=False)
    qc.save_probabilities(list(report.physical))
    ref = np.asarray(
        AerSimulator(method="density_matrix", noise_model=spec_to_aer(device)).run(qc).result().data(0)["probabilities"]
    )
    assert np.abs(ours - ref).max() < 1e-6
    once = build_noise_spec(BackendNoiseConfig("FakeBelemV2")).remapped(dict(enumerate(report.physical)))
    plain = np.diag(simulate_density(compile_circuit(unmeasured), noise=once)[0].numpy()).real
    assert np.abs(ours - plain).max() > 1e-3  # three times the noise is visibly more


def test_numpy_live_path_equals_the_torch_simulator() -> None:
    import torch

    from plugins.quantum.live import live_snapshot
    from plugins.quantum.sim.fast import bloch_vectors, simulate_fast

    circuit = random_circuit(5, 50, seed=13, symbols=True).with_values({"theta": 0.37})
    ours = simulate(compile_circuit(circuit), circuit.values(), dtype=torch.complex128)[0].numpy()
    fast = simulate_fast(circuit, circuit.values())
    assert np.abs(ours - fast).max() < 1e-12
    assert (
        np.abs(bloch_vectors(fast, 5) - bloch_vectors_from_state(torch.from_numpy(fast)[None], 5)[0].numpy()).max()
        < 1e-12
    )
    snap = live_snapshot(circuit, shots=500, column=3)
    partial = simulate_fast(circuit, circuit.values(), until_column=3)
    assert np.allclose(snap.amplitudes, partial) and sum(snap.counts.values()) == 500
