"""Quantum training speed and live-view latency (issue 7 targets, measured in one run).

1. Forward plus gradient (w.r.t. the weights) of a variational classifier, batch 256, on 4 and 8 qubits: the
   studio's torch simulator (complex64) against qiskit-machine-learning's ``EstimatorQNN`` (StatevectorEstimator,
   parameter-shift gradients) and PennyLane's ``default.qubit`` with ``diff_method="backprop"`` (torch).
   Targets: >= 1000x faster than qiskit-machine-learning, at least as fast as PennyLane.
   qiskit-machine-learning makes one simulator call per sample, observable and shifted parameter (tens of
   seconds for 256 samples), so it runs on a smaller batch and its time is scaled linearly to 256 (its cost is
   linear in the batch: one circuit per sample); the note in the report says which batch was used.
   Values are checked equal (complex128 runs, 1e-6) against both on the same inputs.
2. Live views: one :func:`~plugins.quantum.live.live_snapshot` of an ideal 8-qubit, 60-gate circuit (everything
   the composer draws after an edit). Target: under 10 ms.

The baselines live in the ``bench`` extra (``pip install -e '.[bench]'``, which ``make setup`` installs); when one
is missing the report says so and its target counts as not met.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.result import Target, bench_result, median

BATCH = 256
QISKIT_ML_BATCH = {4: 8, 8: 2}
QUICK_QISKIT_ML_BATCH = {4: 2, 8: 1}
LIVE_LIMIT_MS = 10.0


def _timed(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def _problem(num_qubits: int, batch: int, seed: int = 0) -> tuple[Any, list[str], np.ndarray, np.ndarray]:
    from plugins.quantum.qnn.circuit import QnnArchitecture, build_qnn_circuit

    arch = QnnArchitecture(num_qubits=num_qubits, blocks=2)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, np.pi, (batch, arch.num_inputs))
    w = rng.uniform(-np.pi, np.pi, arch.num_weights)
    return build_qnn_circuit(arch), arch.input_symbols() + arch.weight_symbols(), x, w


def studio_forward_backward(circuit: Any, symbols: list[str], x: np.ndarray, w: np.ndarray, dtype: Any) -> Callable:
    """A closure computing <Z_q> for every sample and d(sum)/d(weights) with the studio's simulator."""
    import torch

    from plugins.quantum.sim.outcomes import state_probabilities, z_expectations
    from plugins.quantum.sim.program import compile_circuit
    from plugins.quantum.sim.statevector import simulate

    program = compile_circuit(circuit, symbols)
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    xt = torch.tensor(x, dtype=real)
    n = circuit.num_qubits

    def run() -> tuple[Any, Any]:
        wt = torch.tensor(w, dtype=real, requires_grad=True)
        values = torch.cat([xt, wt.expand(xt.shape[0], -1)], dim=1)
        z = z_expectations(state_probabilities(simulate(program, values, dtype=dtype)), tuple(range(n)), n)
        z.sum().backward()
        return z.detach(), wt.grad

    return run


def pennylane_forward_backward(circuit: Any, x: np.ndarray, w: np.ndarray, dtype: Any) -> Callable:
    """The same circuit in PennyLane (default.qubit, torch, backprop), inputs broadcast over the batch."""
    import pennylane as qml
    import torch

    n = circuit.num_qubits
    dev = qml.device("default.qubit", wires=n)
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}
    ops = [op for op in circuit.operations if op.name != "barrier"]

    @qml.qnode(dev, interface="torch", diff_method="backprop")
    def node(inputs: Any, weights: Any) -> Any:
        for op in ops:
            if op.name == "cx":
                qml.CNOT(wires=list(op.qubits))
                continue
            ((name, _),) = op.params[0].terms
            value = inputs[:, int(name[1:])] if name.startswith("x") else weights[int(name[1:])]
            gates[op.name](value, wires=op.qubits[0])
        return [qml.expval(qml.PauliZ(q)) for q in range(n)]

    real = torch.float64 if dtype == torch.complex128 else torch.float32
    xt = torch.tensor(x, dtype=real)

    def run() -> tuple[Any, Any]:
        wt = torch.tensor(w, dtype=real, requires_grad=True)
        z = torch.stack(node(xt, wt), dim=1)
        z.sum().backward()
        return z.detach(), wt.grad

    return run


def qiskit_ml_forward_backward(circuit: Any, symbols: list[str], x: np.ndarray, w: np.ndarray) -> Callable:
    """qiskit-machine-learning's EstimatorQNN on the same circuit (exact StatevectorEstimator)."""
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    from plugins.quantum.qiskit_bridge.convert import to_qiskit

    params: dict[str, Any] = {}
    qc = to_qiskit(circuit, parameters=params)
    n = circuit.num_qubits
    observables = [SparsePauliOp("I" * (n - 1 - q) + "Z" + "I" * q) for q in range(n)]
    qnn = EstimatorQNN(
        circuit=qc,
        estimator=StatevectorEstimator(),
        observables=observables,
        input_params=[params[s] for s in symbols if s.startswith("x")],
        weight_params=[params[s] for s in symbols if s.startswith("w")],
        default_precision=0.0,
    )

    def run() -> tuple[Any, Any]:
        z = qnn.forward(x, w)
        _, weight_grad = qnn.backward(x, w)
        return z, weight_grad.sum(axis=(0, 1))

    return run


def _live_ms(repeats: int) -> float:
    from plugins.quantum.circuit.model import circuit_from_ops, make_op
    from plugins.quantum.live import live_snapshot

    rng = np.random.default_rng(1)
    ops = []
    for k in range(60):
        q = int(rng.integers(8))
        if k % 3 == 2:
            ops.append(make_op("cx", [q, (q + 1) % 8]))
        else:
            ops.append(make_op(["h", "rx", "rz", "t"][k % 4], [q], [0.3] if k % 4 in (1, 2) else []))
    circuit = circuit_from_ops(8, ops)
    return 1000 * _timed(lambda: live_snapshot(circuit, shots=1024), repeats)


def run(quick: bool = False) -> dict[str, Any]:
    """Measure everything above; returns a :func:`benchmarks.result.bench_result` dict."""
    import torch

    torch.set_num_threads(1)
    has_qml = importlib.util.find_spec("qiskit_machine_learning") is not None
    has_pl = importlib.util.find_spec("pennylane") is not None
    repeats = 3 if quick else 10
    metrics: dict[str, float] = {}
    baseline: dict[str, float] = {}
    ratios: dict[str, float] = {}
    targets: list[Target] = []
    notes: list[str] = ["times in seconds per forward+gradient of a batch of 256 (torch threads: 1)"]
    if not has_qml:
        notes.append("qiskit-machine-learning is NOT installed (pip install -e '.[bench]'): no qiskit-ml baseline")
    if not has_pl:
        notes.append("PennyLane is NOT installed (pip install -e '.[bench]'): no PennyLane baseline")
    for n in (4, 8):
        circuit, symbols, x, w = _problem(n, BATCH)
        ours = studio_forward_backward(circuit, symbols, x, w, torch.complex64)
        metrics[f"studio_{n}q_s"] = _timed(ours, repeats)
        exact_z, exact_g = studio_forward_backward(circuit, symbols, x, w, torch.complex128)()
        if has_pl:
            pl = pennylane_forward_backward(circuit, x, w, torch.complex64)
            baseline[f"pennylane_{n}q_s"] = _timed(pl, repeats)
            ratios[f"speedup_vs_pennylane_{n}q"] = baseline[f"pennylane_{n}q_s"] / metrics[f"studio_{n}q_s"]
            pz, pg = pennylane_forward_backward(circuit, x, w, torch.complex128)()
            metrics[f"max_diff_vs_pennylane_{n}q"] = float(max((pz - exact_z).abs().max(), (pg - exact_g).abs().max()))
            targets.append(
                Target(f"at least as fast as PennyLane ({n} qubits)", ratios[f"speedup_vs_pennylane_{n}q"], ">=", 1.0)
            )
            targets.append(
                Target(f"same values as PennyLane ({n} qubits)", metrics[f"max_diff_vs_pennylane_{n}q"], "<=", 1e-6)
            )
        else:
            targets.append(Target(f"at least as fast as PennyLane ({n} qubits): baseline missing", False, "==", True))
        if has_qml:
            small = (QUICK_QISKIT_ML_BATCH if quick else QISKIT_ML_BATCH)[n]
            qml_run = qiskit_ml_forward_backward(circuit, symbols, x[:small], w)
            start = time.perf_counter()
            qz, qg = qml_run()
            seconds = time.perf_counter() - start
            baseline[f"qiskit_ml_{n}q_s"] = seconds * BATCH / small
            ratios[f"speedup_vs_qiskit_ml_{n}q"] = baseline[f"qiskit_ml_{n}q_s"] / metrics[f"studio_{n}q_s"]
            our_small_z, our_small_g = studio_forward_backward(circuit, symbols, x[:small], w, torch.complex128)()
            diff = max(np.abs(qz - our_small_z.numpy()).max(), np.abs(qg - our_small_g.numpy()).max())
            metrics[f"max_diff_vs_qiskit_ml_{n}q"] = float(diff)
            notes.append(
                f"qiskit-ml {n} qubits: measured on a batch of {small} ({seconds:.2f} s), scaled x{BATCH // small}"
            )
            targets.append(
                Target(
                    f">= 1000x faster than qiskit-ml ({n} qubits)", ratios[f"speedup_vs_qiskit_ml_{n}q"], ">=", 1000.0
                )
            )
            targets.append(
                Target(f"same values as qiskit-ml ({n} qubits)", metrics[f"max_diff_vs_qiskit_ml_{n}q"], "<=", 1e-6)
            )
        else:
            targets.append(Target(f">= 1000x faster than qiskit-ml ({n} qubits): baseline missing", False, "==", True))
    metrics["live_view_8q_ms"] = _live_ms(repeats * 3)
    targets.append(Target("live views under 10 ms (8 qubits)", metrics["live_view_8q_ms"], "<", LIVE_LIMIT_MS))
    return bench_result(
        "QNN forward+gradient (batch 256, 4 and 8 qubits) vs qiskit-machine-learning and PennyLane; live view latency",
        metrics,
        baseline,
        ratios,
        targets,
        notes,
    )  # fmt: skip


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=False), indent=2))
