"""Circuit <-> ``qiskit.QuantumCircuit``: symbols become qiskit ``Parameter``s and affine expressions come back.

Why a direct conversion instead of going through QASM text: it keeps the gate matrices one to one (the library
uses qiskit's definitions), so cross-checks against ``Statevector`` and Aer agree to rounding, and the parameter
expressions qiskit's transpiler writes (``2*t + 3.44``) read back exactly as affine angles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugins.quantum.circuit.angle import Angle
from plugins.quantum.circuit.gates import gate, is_gate
from plugins.quantum.circuit.model import MAX_QUBITS, Circuit, CircuitError, Operation, asap_layout

#: Instructions a device's transpiled circuit may hold that change no state we simulate.
_IGNORED = {"delay", "global_phase"}
_SAFE_NAME = re.compile(r"\W")


def symbol_name(parameter_name: str) -> str:
    """qiskit parameter names like ``x[3]`` as builder symbols (``x_3``)."""
    return _SAFE_NAME.sub("_", parameter_name).strip("_") or "p"


def _qiskit_angle(angle: Angle, params: dict[str, Any], bind: Mapping[str, float] | None) -> Any:
    from qiskit.circuit import Parameter

    if angle.is_constant:
        return angle.const
    if bind is not None:
        return angle.value(bind)
    expr: Any = angle.const
    for name, coef in angle.terms:
        p = params.setdefault(name, Parameter(name))
        expr = expr + coef * p
    return expr


def to_qiskit(
    circuit: Circuit, bind: Mapping[str, float] | None = None, parameters: dict[str, Any] | None = None
) -> Any:
    """A ``QuantumCircuit`` with the same gates; symbols become ``Parameter``s (or numbers from ``bind``).

    ``parameters`` (name -> Parameter) is filled in, so callers can bind the same objects later.
    """
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit.library import get_standard_gate_name_mapping

    mapping = get_standard_gate_name_mapping()
    params = parameters if parameters is not None else {}
    qreg = QuantumRegister(circuit.num_qubits, "q")
    regs: list[Any] = [qreg]
    if circuit.num_clbits:
        regs.append(ClassicalRegister(circuit.num_clbits, "c"))
    qc = QuantumCircuit(*regs, name=circuit.name)
    for op in circuit.operations:
        if op.name == "measure":
            qc.measure(op.qubits[0], op.clbit)
        elif op.name == "barrier":
            qc.barrier(*op.qubits)
        else:
            angles = [_qiskit_angle(a, params, bind) for a in op.params]
            qc.append(mapping[op.name].base_class(*angles), list(op.qubits))
    return qc


def _angle_from_qiskit(value: Any) -> Angle:
    if not hasattr(value, "parameters"):
        return Angle(float(value))
    if not value.parameters:
        return Angle(float(value))
    const = float(value.bind({p: 0.0 for p in value.parameters}))
    angle = Angle(const)
    for p in value.parameters:
        coef = value.gradient(p)
        if hasattr(coef, "parameters"):
            raise CircuitError(f"the angle {value} is not affine in its parameters")
        angle = angle + Angle.symbol(symbol_name(p.name), float(coef))
    return angle


@dataclass(frozen=True)
class ImportedCircuit:
    """A qiskit circuit read back: the circuit on compact qubits and, for each, the qiskit qubit index it was."""

    circuit: Circuit
    physical: tuple[int, ...]  # physical[k] = index of qubit k in the qiskit circuit (a device qubit)


def from_qiskit(qc: Any, compact: bool = False) -> ImportedCircuit:
    """Read a ``QuantumCircuit`` (gates of the library, measure, barrier; delays are dropped).

    ``compact`` keeps only the qubits something acts on, renumbered 0..k-1 in order (for a device's transpiled
    circuit). Raises :class:`CircuitError` for gates outside the library, resets, classical control, non-affine
    angles, or more than ``MAX_QUBITS`` qubits.
    """
    used: set[int] = set()
    records = []
    for inst in qc.data:
        name = inst.operation.name
        qubits = tuple(qc.find_bit(q).index for q in inst.qubits)
        if name in _IGNORED:
            continue
        if name == "barrier":
            records.append((name, qubits, (), None))
            continue
        if name == "measure":
            records.append((name, qubits, (), qc.find_bit(inst.clbits[0]).index))
            used.update(qubits)
            continue
        if getattr(inst.operation, "condition", None) is not None or name in ("if_else", "while_loop", "for_loop"):
            raise CircuitError(f"classical control ({name}) is not supported")
        if not is_gate(name) or not gate(name).is_unitary:
            raise CircuitError(f"gate {name!r} is not in the builder's library (transpile it to the library first)")
        records.append((name, qubits, tuple(_angle_from_qiskit(p) for p in inst.operation.params), None))
        used.update(qubits)
    physical = tuple(sorted(used)) if compact else tuple(range(qc.num_qubits))
    if compact and not physical:
        physical = (0,)
    if len(physical) > MAX_QUBITS:
        raise CircuitError(f"{len(physical)} qubits in use; the builder takes at most {MAX_QUBITS}")
    index = {p: k for k, p in enumerate(physical)}
    ops = []
    for name, qubits, params, clbit in records:
        if name == "barrier":
            qubits = tuple(index[q] for q in qubits if q in index)
            if not qubits:
                continue
        else:
            qubits = tuple(index[q] for q in qubits)
        ops.append(Operation(name, qubits, params, clbit=clbit))
    circuit = Circuit(len(physical), tuple(asap_layout(ops, len(physical))), num_clbits=qc.num_clbits, name=qc.name)
    return ImportedCircuit(circuit, physical)
