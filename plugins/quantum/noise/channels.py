"""Noise channels as Kraus operators, their Pauli-twirled approximation, and the standard channels.

Why both forms: the density-matrix simulator applies the exact Kraus channel (so it matches qiskit-aer's
density-matrix method to 1e-6), while noise *injection* for training samples one Pauli error per gate per sample
from the channel's Pauli twirl (QuantumNAT), which is cheap on a statevector. The twirl of a channel with Kraus
operators K_i gives Pauli P the probability sum_i |Tr(P K_i)|^2 / d^2.

Matrices use qiskit's ordering (qubit 0 is the least significant index bit). numpy only.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from studio.core.errors import StudioError


class NoiseError(StudioError):
    """A noise parameter out of range, or a channel that is not trace preserving."""


_PAULI_1Q = (
    np.eye(2, dtype=complex),
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
)


@functools.cache
def pauli_matrix(index: int, num_qubits: int) -> np.ndarray:
    """The Pauli with digits ``index = sum p_j 4^j`` (p: 0=I 1=X 2=Y 3=Z on qubit j), qiskit ordering."""
    digits = [(index >> (2 * j)) & 3 for j in range(num_qubits)]
    out = np.array([[1]], dtype=complex)
    for j in reversed(range(num_qubits)):  # highest qubit is the leftmost kron factor
        out = np.kron(out, _PAULI_1Q[digits[j]])
    return out


@dataclass(frozen=True, eq=False)
class Channel:
    """A CPTP map on ``num_qubits`` qubits given by Kraus operators; ``label`` names it in views."""

    num_qubits: int
    kraus: tuple[np.ndarray, ...]
    label: str = ""
    _twirl: list[np.ndarray] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        d = 2**self.num_qubits
        ks = tuple(np.asarray(k, dtype=complex) for k in self.kraus)
        if not ks or any(k.shape != (d, d) for k in ks):
            raise NoiseError(f"Kraus operators of a {self.num_qubits}-qubit channel must be {d}x{d}")
        total = sum(k.conj().T @ k for k in ks)
        if not np.allclose(total, np.eye(d), atol=1e-8):
            raise NoiseError(f"channel {self.label or ''} is not trace preserving")
        object.__setattr__(self, "kraus", ks)

    @property
    def pauli_probabilities(self) -> np.ndarray:
        """Probability of each Pauli (index as in :func:`pauli_matrix`) in the channel's Pauli twirl."""
        if not self._twirl:
            d = 2**self.num_qubits
            probs = np.array(
                [
                    sum(abs(np.trace(pauli_matrix(p, self.num_qubits).conj().T @ k)) ** 2 for k in self.kraus)
                    for p in range(4**self.num_qubits)
                ]
            ) / (d * d)
            probs = np.clip(probs.real, 0.0, None)
            self._twirl.append(probs / probs.sum())
        return self._twirl[0]

    @functools.cached_property
    def superoperator(self) -> np.ndarray:
        """``S = sum_i K_i (x) conj(K_i)``: ``vec(rho') = S vec(rho)`` with ``vec`` index ``row * d + col``."""
        return sum(np.kron(k, k.conj()) for k in self.kraus)

    @property
    def error_probability(self) -> float:
        """Probability that the twirled channel applies a non-identity Pauli."""
        return float(1.0 - self.pauli_probabilities[0])

    def compose(self, after: Channel) -> Channel:
        """This channel followed by ``after`` (same qubits)."""
        if after.num_qubits != self.num_qubits:
            raise NoiseError("cannot compose channels on different numbers of qubits")
        kraus = tuple(b @ a for a, b in itertools.product(self.kraus, after.kraus))
        return Channel(self.num_qubits, _prune(kraus), f"{self.label} + {after.label}".strip(" +"))

    def tensor(self, other: Channel) -> Channel:
        """``other`` on the higher qubits, this channel on the lower ones (qiskit's ``self.expand(other)``)."""
        kraus = tuple(np.kron(b, a) for a, b in itertools.product(self.kraus, other.kraus))
        return Channel(self.num_qubits + other.num_qubits, _prune(kraus), self.label or other.label)


def _prune(kraus: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    kept = tuple(k for k in kraus if np.abs(k).max() > 1e-12)
    return kept or (np.zeros_like(kraus[0]),)


def _check_probability(name: str, p: float, upper: float = 1.0) -> float:
    p = float(p)
    if not 0.0 <= p <= upper or math.isnan(p):
        raise NoiseError(f"{name} must be between 0 and {upper:g}, got {p:g}")
    return p


def depolarizing(p: float, num_qubits: int = 1) -> Channel:
    """qiskit-aer's ``depolarizing_error(p, n)``: rho -> (1-p) rho + p I/d (p up to 4^n/(4^n-1))."""
    n4 = 4**num_qubits
    p = _check_probability("depolarizing probability", p, n4 / (n4 - 1))
    probs = [1 - p + p / n4] + [p / n4] * (n4 - 1)
    return pauli_channel(probs, num_qubits, f"depolarizing {p:g}")


def pauli_channel(probs: Sequence[float], num_qubits: int, label: str = "Pauli") -> Channel:
    """Apply Pauli ``k`` with probability ``probs[k]`` (index as in :func:`pauli_matrix`)."""
    probs = np.asarray(probs, dtype=float)
    if len(probs) != 4**num_qubits or (probs < -1e-12).any() or abs(probs.sum() - 1) > 1e-9:
        raise NoiseError("Pauli probabilities must be 4^n non-negative numbers that sum to 1")
    kraus = tuple(math.sqrt(max(p, 0.0)) * pauli_matrix(k, num_qubits) for k, p in enumerate(probs) if p > 0)
    return Channel(num_qubits, kraus, label)


def amplitude_damping(gamma: float) -> Channel:
    """Energy relaxation: |1> decays to |0> with probability ``gamma``."""
    g = _check_probability("amplitude damping gamma", gamma)
    k0 = np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=complex)
    k1 = np.array([[0, math.sqrt(g)], [0, 0]], dtype=complex)
    return Channel(1, _prune((k0, k1)), f"amplitude damping {g:g}")


def phase_damping(lam: float) -> Channel:
    """Dephasing without energy loss: coherences shrink by sqrt(1 - lambda)."""
    lam = _check_probability("phase damping lambda", lam)
    k0 = np.array([[1, 0], [0, math.sqrt(1 - lam)]], dtype=complex)
    k1 = np.array([[0, 0], [0, math.sqrt(lam)]], dtype=complex)
    return Channel(1, _prune((k0, k1)), f"phase damping {lam:g}")


def thermal_relaxation(t1: float, t2: float, time: float) -> Channel:
    """T1/T2 relaxation for a gate of duration ``time`` (same units as T1, T2; ground-state temperature).

    Raises :class:`NoiseError` unless 0 < T2 <= 2*T1 (physical limit) and time >= 0.
    """
    if t1 <= 0 or t2 <= 0 or t2 > 2 * t1 + 1e-12 or time < 0:
        raise NoiseError(f"thermal relaxation needs 0 < T2 <= 2*T1 and time >= 0 (T1={t1:g}, T2={t2:g}, t={time:g})")
    gamma = 1 - math.exp(-time / t1)
    # After amplitude damping, coherences are exp(-t/2T1); dephase the rest so they are exp(-t/T2).
    lam = min(1.0, max(0.0, 1 - math.exp(-2 * time / t2 + time / t1)))
    ch = amplitude_damping(gamma).compose(phase_damping(lam))
    return Channel(1, ch.kraus, f"thermal T1={t1:g} T2={t2:g} t={time:g}")


def identity_channel(num_qubits: int) -> Channel:
    return Channel(num_qubits, (np.eye(2**num_qubits, dtype=complex),), "identity")


@dataclass(frozen=True)
class ReadoutError:
    """``matrix[prepared][measured]``: probability to read ``measured`` when the qubit was ``prepared``."""

    prob_meas1_prep0: float
    prob_meas0_prep1: float

    def __post_init__(self) -> None:
        _check_probability("readout P(1|0)", self.prob_meas1_prep0)
        _check_probability("readout P(0|1)", self.prob_meas0_prep1)

    @property
    def matrix(self) -> np.ndarray:
        a, b = self.prob_meas1_prep0, self.prob_meas0_prep1
        return np.array([[1 - a, a], [b, 1 - b]])
