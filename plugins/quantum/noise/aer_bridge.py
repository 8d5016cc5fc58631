"""Any :class:`NoiseModelSpec` as a qiskit-aer ``NoiseModel``, with the lookup rules of the spec.

Why: a scaled device model ("FakeQuitoV2 x4") exists only as our spec; to evaluate on Aer under the same noise,
its channels (Kraus) and readout errors are written into Aer's model gate by gate.
"""

from __future__ import annotations

from typing import Any

from plugins.quantum.circuit.gates import GATES
from plugins.quantum.noise.model import NoiseModelSpec


def spec_to_aer(spec: NoiseModelSpec) -> Any:
    """The Aer model: per-qubit channels, all-qubit channels, arity defaults and readout errors of ``spec``."""
    from qiskit.quantum_info import Kraus
    from qiskit_aer.noise import NoiseModel, QuantumError
    from qiskit_aer.noise import ReadoutError as AerReadoutError

    model = NoiseModel()
    for arity, channel in spec.arity_defaults.items():
        names = [g.name for g in GATES if g.is_unitary and g.num_qubits == arity]
        model.add_all_qubit_quantum_error(QuantumError(Kraus(list(channel.kraus))), names)
    for (name, qubits), channel in spec.gate_channels.items():
        error = QuantumError(Kraus(list(channel.kraus)))
        if qubits is None:
            model.add_all_qubit_quantum_error(error, [name])
        else:
            model.add_quantum_error(error, name, list(qubits))
    if spec.readout_default is not None:
        model.add_all_qubit_readout_error(AerReadoutError(spec.readout_default.matrix))
    for qubit, err in spec.readout.items():
        model.add_readout_error(AerReadoutError(err.matrix), [qubit])
    return model
