"""The QNN classifier as a torch module, and where it runs: ideal, or on a device circuit with its noise.

``QnnClassifier(x)`` maps ``(B, 1, 4, 4)`` images to class logits: angles in, <Z> of each qubit out, then the
head (:mod:`plugins.quantum.qnn.head`: QuantumNAT's post-measurement normalization and output quantization, then
a trainable affine map per class).

Executors (what computes <Z>):

* :class:`IdealExecutor`: the logical circuit, exact statevector.
* :class:`DeviceExecutor`: the circuit transpiled to a fake device, with its calibrated noise. In eval mode it is
  the exact density matrix with the device's Kraus channels, read out with a finite number of shots as a device
  would. In training mode with ``inject=True`` the noise is injected: ``method="pauli"`` (QuantumNAT) draws a
  Pauli error after each gate for every sample from the channel's twirl; ``method="exact"`` trains through the
  exact noisy density matrix (differentiable, affordable at 4 qubits). ``train_shots`` adds the spread of that
  many shots to each trained <Z> (QuantumNAT's noise on the measured values), so training sees the shot noise
  inference will meet. Readout error is applied exactly in every noisy mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.noise.model import NoiseModelSpec
from plugins.quantum.qnn.circuit import QnnArchitecture
from plugins.quantum.qnn.data import encode_angles
from plugins.quantum.qnn.head import NormStats, RobustHeadConfig, head_logits
from plugins.quantum.sim.program import Program, SimulationError, compile_circuit

Tensor = Any

#: How noise is injected in training: sampled Pauli errors (QuantumNAT) or the exact noisy density matrix.
INJECTION_METHODS = ("pauli", "exact")


class IdealExecutor:
    """<Z> of each qubit of the logical circuit, noise-free."""

    name = "noise-free"

    def __init__(self, circuit: Circuit, symbols: list[str]) -> None:
        self.program: Program = compile_circuit(circuit, symbols)

    def expectations(self, values: Tensor, training: bool) -> Tensor:
        from plugins.quantum.sim.outcomes import state_probabilities, z_expectations
        from plugins.quantum.sim.statevector import simulate

        n = self.program.num_qubits
        probs = state_probabilities(simulate(self.program, values))
        return z_expectations(probs, tuple(range(n)), n)


class DeviceExecutor:
    """<Z> of each measured logical qubit of a transpiled circuit under a device's noise.

    ``circuit`` is the compact transpiled circuit (measurements write clbit k for logical qubit k); ``noise``
    the device's model already renumbered to its qubits.
    """

    def __init__(
        self,
        circuit: Circuit,
        symbols: list[str],
        noise: NoiseModelSpec,
        inject: bool,
        noise_factor: float = 1.0,
        seed: int = 0,
        shots: int = 0,
        method: str = "pauli",
        train_shots: int = 0,
    ) -> None:
        if method not in INJECTION_METHODS:
            choices = ", ".join(INJECTION_METHODS)
            raise SimulationError(f"noise injection method must be one of {choices}, not {method!r}")
        self.program = compile_circuit(circuit, symbols)
        self.circuit = circuit
        self.noise = noise
        self.inject = inject
        self.noise_factor = noise_factor
        self.rng = np.random.default_rng(seed)
        self.shots = shots
        self.method = method
        self.train_shots = train_shots
        self.name = f"{noise.name} noise"
        self._injected = noise if noise_factor == 1.0 or method == "pauli" else noise.scaled(noise_factor)

    def expectations(self, values: Tensor, training: bool) -> Tensor:
        import torch

        from plugins.quantum.sim.density import simulate_density
        from plugins.quantum.sim.outcomes import (
            apply_readout,
            density_probabilities,
            outcome_probabilities,
            readout_qubits,
            state_probabilities,
            z_expectations,
        )
        from plugins.quantum.sim.statevector import simulate

        n = self.program.num_qubits
        if training and not self.inject:
            probs = state_probabilities(simulate(self.program, values))
        elif training and self.method == "exact":
            rho = simulate_density(self.program, values, noise=self._injected, dtype=torch.complex64)
            probs = density_probabilities(rho)
        elif training:
            states = simulate(self.program, values, noise=self.noise, rng=self.rng, noise_factor=self.noise_factor)
            probs = state_probabilities(states)
        else:
            with torch.no_grad():
                probs = density_probabilities(simulate_density(self.program, values, noise=self.noise))
                probs = probs.to(torch.float32)
        if not training or self.inject:
            probs = apply_readout(probs, self.noise, readout_qubits(self.circuit), n)
        outcomes = outcome_probabilities(probs, self.circuit)
        if self.shots and not training:
            # A device estimates <Z> from a finite number of shots; so does this evaluation.
            p = outcomes.detach().double().clamp_min(0).numpy()
            counts = np.stack([self.rng.multinomial(self.shots, row / row.sum()) for row in p])
            outcomes = torch.from_numpy(counts / self.shots).to(outcomes.dtype)
        width = self.circuit.num_clbits
        z = z_expectations(outcomes, tuple(range(width)), width)
        if training and self.inject and self.train_shots:
            # The spread of a finite-shot estimate of <Z> (variance (1 - z^2) / shots), reparameterised so the
            # gradient still flows through z.
            eps = torch.from_numpy(self.rng.standard_normal(tuple(z.shape))).to(z.dtype)
            z = z + eps * ((1 - z.detach() ** 2).clamp_min(0) / self.train_shots).sqrt()
        return z


class QnnClassifier:
    """Factory for the torch module (torch is imported only when one is built).

    The module's parameters are the circuit's ``weights`` and the head's per-class ``head_scale`` and
    ``head_bias``; ``norm_stats`` (None: each batch's own) are the normalization statistics used in forward.
    """

    @staticmethod
    def build(arch: QnnArchitecture, num_classes: int, head: RobustHeadConfig, seed: int = 0) -> Any:
        import torch

        class _Module(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                gen = torch.Generator().manual_seed(seed)
                self.weights = torch.nn.Parameter(torch.rand(arch.num_weights, generator=gen) * 2 * np.pi - np.pi)
                self.head_scale = torch.nn.Parameter(torch.full((num_classes,), head.initial_scale))
                self.head_bias = torch.nn.Parameter(torch.zeros(num_classes), requires_grad=head.trainable_bias)
                self.arch = arch
                self.num_classes = num_classes
                self.head = head
                self.symbols = arch.input_symbols() + arch.weight_symbols()
                self.executor: Any = None
                self.norm_stats: NormStats | None = None

            def expectations(self, x: Tensor) -> Tensor:
                angles = encode_angles(x.to(torch.float32))
                values = torch.cat([angles, self.weights.expand(angles.shape[0], -1)], dim=1)
                return self.executor.expectations(values, self.training)

            def logits(self, z: Tensor, stats: NormStats | None = None) -> Tensor:
                """Logits from measured ``(B, n)`` <Z> (from any simulator), normalized with ``stats``."""
                z = z.to(self.head_scale.dtype)
                return head_logits(z, self.num_classes, self.head, self.head_scale, self.head_bias, stats)

            def forward(self, x: Tensor) -> Tensor:
                return self.logits(self.expectations(x), self.norm_stats)

        return _Module()
