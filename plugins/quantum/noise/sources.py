"""Where noise comes from: a hand-built model (a form) or a fake IBM device. Each is a frozen config whose
registered builder makes the studio's :class:`NoiseModelSpec` and the equivalent qiskit-aer ``NoiseModel``.

Hand-built semantics, the same in both simulators: after every 1-qubit gate, depolarizing(p1), then amplitude
damping, phase damping and thermal relaxation (gate time ``gate_time_1q_ns``); after every 2-qubit gate, 2-qubit
depolarizing(p2), then those single-qubit channels (gate time ``gate_time_2q_ns``) on each of its qubits; a
readout error on every measurement. Zero fields are left out; 3-qubit gates are noiseless (transpile them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from plugins.quantum.circuit.gates import GATES
from plugins.quantum.noise.channels import (
    Channel,
    NoiseError,
    ReadoutError,
    amplitude_damping,
    depolarizing,
    identity_channel,
    phase_damping,
    thermal_relaxation,
)
from plugins.quantum.noise.model import NoiseModelSpec


@dataclass(frozen=True)
class HandNoiseConfig:
    """A noise model from a form; every probability in [0, 1], times in ns and microseconds (0 = off)."""

    depolarizing_1q: float = 0.0
    depolarizing_2q: float = 0.0
    amplitude_damping: float = 0.0
    phase_damping: float = 0.0
    t1_us: float = 0.0
    t2_us: float = 0.0
    gate_time_1q_ns: float = 35.0
    gate_time_2q_ns: float = 300.0
    readout_p01: float = 0.0  # P(read 1 | prepared 0)
    readout_p10: float = 0.0  # P(read 0 | prepared 1)

    @property
    def label(self) -> str:
        parts = [
            f"{f.name}={getattr(self, f.name):g}"
            for f in fields(self)
            if getattr(self, f.name) and "time" not in f.name
        ]
        return "hand-built: " + (", ".join(parts) if parts else "noiseless")


@dataclass(frozen=True)
class BackendNoiseConfig:
    """The calibrated noise of a fake IBM device (``FakeManilaV2`` ...)."""

    backend: str

    @property
    def label(self) -> str:
        return self.backend


NoiseConfig = HandNoiseConfig | BackendNoiseConfig
_SPEC_BUILDERS: dict[type, Callable[[Any], NoiseModelSpec]] = {}
_AER_BUILDERS: dict[type, Callable[[Any], Any]] = {}


def noise_builder(config_type: type, aer: bool = False) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register the function that turns a ``config_type`` into a spec (or, with ``aer=True``, an Aer model)."""

    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        (_AER_BUILDERS if aer else _SPEC_BUILDERS)[config_type] = fn
        return fn

    return register


def build_noise_spec(config: Any) -> NoiseModelSpec:
    """The studio's noise model for ``config``; raises :class:`NoiseError` for out-of-range values."""
    try:
        return _SPEC_BUILDERS[type(config)](config)
    except KeyError:
        raise NoiseError(f"no noise builder for {type(config).__name__}") from None


def build_aer_noise(config: Any) -> Any:
    """The qiskit-aer ``NoiseModel`` with the same noise."""
    try:
        return _AER_BUILDERS[type(config)](config)
    except KeyError:
        raise NoiseError(f"no Aer noise builder for {type(config).__name__}") from None


# --- hand-built ------------------------------------------------------------------------------------------------
def _relaxation(config: HandNoiseConfig, time_ns: float) -> Channel | None:
    channels: list[Channel] = []
    if config.amplitude_damping:
        channels.append(amplitude_damping(config.amplitude_damping))
    if config.phase_damping:
        channels.append(phase_damping(config.phase_damping))
    if config.t1_us or config.t2_us:
        if not (config.t1_us and config.t2_us):
            raise NoiseError("thermal relaxation needs both T1 and T2")
        channels.append(thermal_relaxation(config.t1_us * 1000, config.t2_us * 1000, time_ns))
    if not channels:
        return None
    out = channels[0]
    for ch in channels[1:]:
        out = out.compose(ch)
    return out


def hand_channels(config: HandNoiseConfig) -> dict[int, Channel]:
    """The channel after every 1-qubit and every 2-qubit gate (arity -> channel)."""
    out: dict[int, Channel] = {}
    relax1 = _relaxation(config, config.gate_time_1q_ns)
    ch1 = depolarizing(config.depolarizing_1q, 1) if config.depolarizing_1q else None
    if ch1 is not None and relax1 is not None:
        ch1 = ch1.compose(relax1)
    ch1 = ch1 or relax1
    if ch1 is not None:
        out[1] = Channel(1, ch1.kraus, "1-qubit gate noise")
    relax2 = _relaxation(config, config.gate_time_2q_ns)
    ch2 = depolarizing(config.depolarizing_2q, 2) if config.depolarizing_2q else None
    if relax2 is not None:
        pair = relax2.tensor(relax2)
        ch2 = ch2.compose(pair) if ch2 is not None else pair
    if ch2 is not None:
        out[2] = Channel(2, ch2.kraus, "2-qubit gate noise")
    return out


@noise_builder(HandNoiseConfig)
def _hand_spec(config: HandNoiseConfig) -> NoiseModelSpec:
    readout = None
    if config.readout_p01 or config.readout_p10:
        readout = ReadoutError(config.readout_p01, config.readout_p10)
    return NoiseModelSpec("hand-built", {}, hand_channels(config), {}, readout, config.label)


@noise_builder(HandNoiseConfig, aer=True)
def _hand_aer(config: HandNoiseConfig) -> Any:
    from qiskit.quantum_info import Kraus
    from qiskit_aer.noise import NoiseModel, QuantumError
    from qiskit_aer.noise import ReadoutError as AerReadoutError

    model = NoiseModel()
    for arity, channel in hand_channels(config).items():
        names = [g.name for g in GATES if g.is_unitary and g.num_qubits == arity]
        model.add_all_qubit_quantum_error(QuantumError(Kraus(list(channel.kraus))), names)
    if config.readout_p01 or config.readout_p10:
        model.add_all_qubit_readout_error(AerReadoutError(ReadoutError(config.readout_p01, config.readout_p10).matrix))
    return model


# --- fake devices ----------------------------------------------------------------------------------------------
@noise_builder(BackendNoiseConfig)
def _backend_spec(config: BackendNoiseConfig) -> NoiseModelSpec:
    from qiskit.quantum_info import Kraus

    from plugins.quantum.noise.backends import device_errors, resolve_backend_name

    gate_errors, readout_errors = device_errors(config.backend)
    channels: dict[tuple[str, tuple[int, ...] | None], Channel] = {}
    for name, qubits, error in gate_errors:
        kraus = Kraus(error.to_quantumchannel()).data
        channels[(name, tuple(qubits))] = Channel(len(qubits), tuple(kraus), f"{name} on {list(qubits)}")
    readout = {}
    for qubits, error in readout_errors:
        p = error.probabilities
        readout[int(qubits[0])] = ReadoutError(float(p[0][1]), float(p[1][0]))
    name = resolve_backend_name(config.backend)
    return NoiseModelSpec(name, channels, {}, readout, None, f"calibrated noise of {name}")


@noise_builder(BackendNoiseConfig, aer=True)
def _backend_aer(config: BackendNoiseConfig) -> Any:
    from plugins.quantum.noise.backends import aer_noise_model

    return aer_noise_model(config.backend)


def parse_noise_option(text: str) -> NoiseConfig:
    """The CLI's ``--noise``: a fake backend name, or ``field=value,...`` of :class:`HandNoiseConfig`.

    Raises :class:`NoiseError` (one line) for unknown fields or values, and ``UnknownBackendError`` for names.
    """
    if "=" not in text:
        from plugins.quantum.noise.backends import resolve_backend_name

        return BackendNoiseConfig(resolve_backend_name(text))
    known = {f.name for f in fields(HandNoiseConfig)}
    values: dict[str, float] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in known:
            raise NoiseError(f"unknown noise field {key!r}; use {', '.join(sorted(known))}")
        try:
            values[key] = float(value)
        except ValueError:
            raise NoiseError(f"noise field {key} needs a number, got {value!r}") from None
    config = dataclasses.replace(HandNoiseConfig(), **values)
    build_noise_spec(config)  # validate now, with a one-line message
    return config


__all__ = [
    "BackendNoiseConfig",
    "HandNoiseConfig",
    "NoiseConfig",
    "build_aer_noise",
    "build_noise_spec",
    "identity_channel",
    "parse_noise_option",
]
