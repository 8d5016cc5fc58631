"""The QNN classifier as a torch module, and where it runs: ideal, or on a device circuit with its noise.

``QnnClassifier(x)`` maps ``(B, 1, 4, 4)`` images to class logits: angles in, <Z> of each qubit out, then the
head. The head holds QuantumNAT's two output-side toggles: post-measurement normalization (each qubit's <Z>
standardised over the batch, which undoes the shrink and shift that noise causes) and output quantization
(values snapped to a grid with a straight-through gradient, which removes small noise-induced deviations).

Executors (what computes <Z>):

* :class:`IdealExecutor`: the logical circuit, exact statevector.
* :class:`DeviceExecutor`: the circuit transpiled to a fake device, with its calibrated noise. In training mode
  with ``inject=True`` every sample draws Pauli errors after each gate (noise injection); in eval mode it is the
  exact density matrix with the device's Kraus channels. Readout error is applied exactly in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from plugins.quantum.circuit.model import Circuit
from plugins.quantum.noise.model import NoiseModelSpec
from plugins.quantum.qnn.circuit import QnnArchitecture
from plugins.quantum.qnn.data import encode_angles
from plugins.quantum.sim.program import Program, compile_circuit

Tensor = Any


@dataclass(frozen=True)
class RobustHeadConfig:
    """Output-side noise robustness: normalize <Z> over the batch, then quantize with step ``quant_step``."""

    normalize: bool = False
    quantize: bool = False
    quant_step: float = 0.5
    quant_range: float = 2.0
    scale: float = 4.0  # logits = scale * <Z> without normalization (so softmax is not flat)
    normalized_scale: float = 1.0  # logits = normalized_scale * (normalized, quantized) <Z>; 2.5 trained as well as
    # plain noise-free but lost 13 points under FakeQuitoV2 noise (docs/quantum.md), 1.0 loses less


def apply_head(z: Tensor, num_classes: int, head: RobustHeadConfig) -> Tensor:
    """Logits from ``(B, n)`` expectations: qubit k votes for class k (4 classes) or pairs sum (2 classes)."""
    import torch

    # Normalization standardises each qubit over the batch; without it a fixed scale keeps softmax from being flat.
    z = (z - z.mean(dim=0, keepdim=True)) / (z.std(dim=0, keepdim=True) + 1e-6) if head.normalize else z * head.scale
    if head.quantize:
        clipped = z.clamp(-head.quant_range, head.quant_range)
        z = clipped + (torch.round(clipped / head.quant_step) * head.quant_step - clipped).detach()
    if head.normalize:
        z = z * head.normalized_scale
    if num_classes == 2:
        return torch.stack([z[:, 0] + z[:, 1], z[:, 2] + z[:, 3]], dim=1)
    return z[:, :num_classes]


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
    ) -> None:
        self.program = compile_circuit(circuit, symbols)
        self.circuit = circuit
        self.noise = noise
        self.inject = inject
        self.noise_factor = noise_factor
        self.rng = np.random.default_rng(seed)
        self.shots = shots
        self.name = f"{noise.name} noise"

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
        return z_expectations(outcomes, tuple(range(width)), width)


class QnnClassifier:
    """Factory for the torch module (torch is imported only when one is built)."""

    @staticmethod
    def build(arch: QnnArchitecture, num_classes: int, head: RobustHeadConfig, seed: int = 0) -> Any:
        import torch

        class _Module(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                gen = torch.Generator().manual_seed(seed)
                self.weights = torch.nn.Parameter(torch.rand(arch.num_weights, generator=gen) * 2 * np.pi - np.pi)
                self.arch = arch
                self.num_classes = num_classes
                self.head = head
                self.symbols = arch.input_symbols() + arch.weight_symbols()
                self.executor: Any = None

            def expectations(self, x: Tensor) -> Tensor:
                angles = encode_angles(x.to(torch.float32))
                values = torch.cat([angles, self.weights.expand(angles.shape[0], -1)], dim=1)
                return self.executor.expectations(values, self.training)

            def forward(self, x: Tensor) -> Tensor:
                return apply_head(self.expectations(x), self.num_classes, self.head)

        return _Module()
