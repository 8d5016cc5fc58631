"""A noise model the studio's simulators apply: a channel after each gate, a readout error on each measurement.

Lookup order for a gate ``name`` on ``qubits``: the channel for exactly ``(name, qubits)`` (a device's calibrated
error), then ``(name, None)`` (the same error on any qubits), then the default for the gate's arity (a hand-built
model's "every 1-qubit gate"). The same rules are how the model is written into a qiskit-aer ``NoiseModel``
(:mod:`plugins.quantum.noise.aer_bridge`), so both simulators see the same noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from plugins.quantum.noise.channels import Channel, ReadoutError

#: Operations that are never followed by a gate error.
NOISELESS = frozenset({"barrier", "measure"})


@dataclass(frozen=True)
class NoiseModelSpec:
    """Gate channels and readout errors; ``name`` is what the views show ("FakeManilaV2", "hand-built")."""

    name: str
    gate_channels: Mapping[tuple[str, tuple[int, ...] | None], Channel] = field(default_factory=dict)
    arity_defaults: Mapping[int, Channel] = field(default_factory=dict)
    readout: Mapping[int, ReadoutError] = field(default_factory=dict)
    readout_default: ReadoutError | None = None
    description: str = ""

    def channel(self, name: str, qubits: tuple[int, ...]) -> Channel | None:
        """The channel after ``name`` on ``qubits``, or None when that gate is noiseless."""
        if name in NOISELESS:
            return None
        found = self.gate_channels.get((name, tuple(qubits)))
        if found is None:
            found = self.gate_channels.get((name, None))
        if found is None:
            found = self.arity_defaults.get(len(qubits))
        return found

    def readout_error(self, qubit: int) -> ReadoutError | None:
        return self.readout.get(qubit, self.readout_default)

    def readout_matrix(self, qubit: int) -> np.ndarray | None:
        err = self.readout_error(qubit)
        return None if err is None else err.matrix

    @property
    def is_empty(self) -> bool:
        return not (self.gate_channels or self.arity_defaults or self.readout or self.readout_default)

    def remapped(self, physical_of: Mapping[int, int]) -> NoiseModelSpec:
        """The model seen by a circuit whose qubit ``k`` is the device's qubit ``physical_of[k]``.

        Why: a transpiled circuit runs on a few of a device's many qubits; the simulator numbers them 0..n-1.
        """
        logical_of = {p: k for k, p in physical_of.items()}
        channels: dict[tuple[str, tuple[int, ...] | None], Channel] = {}
        for (name, qubits), ch in self.gate_channels.items():
            if qubits is None:
                channels[(name, None)] = ch
            elif all(q in logical_of for q in qubits):
                channels[(name, tuple(logical_of[q] for q in qubits))] = ch
        readout = {logical_of[q]: err for q, err in self.readout.items() if q in logical_of}
        return NoiseModelSpec(
            self.name, channels, dict(self.arity_defaults), readout, self.readout_default, self.description
        )

    def scaled(self, factor: float) -> NoiseModelSpec:
        """The same model with every error ``factor`` times as likely: each channel becomes its Pauli twirl with
        non-identity probabilities times ``factor``, each readout flip probability times ``factor`` (capped).

        Why: QuantumNAT's noise factor, and "what if the device were k times noisier" for a small circuit.
        An error probability that would exceed 1 is capped at 1. Raises ``NoiseError`` for a negative factor.
        """
        from plugins.quantum.noise.channels import NoiseError, pauli_channel

        if factor < 0:
            raise NoiseError(f"noise factor must be >= 0, got {factor:g}")

        if factor == 1.0:
            return self

        def scale(ch: Channel) -> Channel:
            probs = ch.pauli_probabilities.copy()
            probs[1:] *= factor
            if probs[1:].sum() > 1:  # e.g. a long reset: cap at "always an error", keep the error mix
                probs[1:] /= probs[1:].sum()
            probs[0] = 1 - probs[1:].sum()
            return pauli_channel(probs, ch.num_qubits, f"{ch.label} x{factor:g}")

        def scale_readout(err: ReadoutError) -> ReadoutError:
            return ReadoutError(min(0.5, err.prob_meas1_prep0 * factor), min(0.5, err.prob_meas0_prep1 * factor))

        return NoiseModelSpec(
            f"{self.name} x{factor:g}",
            {k: scale(ch) for k, ch in self.gate_channels.items()},
            {k: scale(ch) for k, ch in self.arity_defaults.items()},
            {q: scale_readout(e) for q, e in self.readout.items()},
            scale_readout(self.readout_default) if self.readout_default else None,
            f"{self.description}, errors x{factor:g}",
        )

    def mean_errors(self) -> dict[str, float]:
        """Average twirled error probability per gate name and the mean readout error (for the views)."""
        sums: dict[str, list[float]] = {}
        for (name, _), ch in self.gate_channels.items():
            sums.setdefault(name, []).append(ch.error_probability)
        for arity, ch in self.arity_defaults.items():
            sums.setdefault(f"{arity}-qubit gates", []).append(ch.error_probability)
        out = {k: float(np.mean(v)) for k, v in sums.items()}
        errs = list(self.readout.values()) + ([self.readout_default] if self.readout_default else [])
        if errs:
            out["readout"] = float(np.mean([(e.prob_meas0_prep1 + e.prob_meas1_prep0) / 2 for e in errs]))
        return out
