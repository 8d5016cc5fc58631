"""OpenQASM 3/2 reading and writing: round trips, qiskit's importer agrees, errors name the line."""

from __future__ import annotations

import pytest

from plugins.quantum.circuit.angle import Angle, AngleError, format_angle, parse_angle
from plugins.quantum.qasm.lexer import QasmError
from plugins.quantum.qasm.reader import read_qasm
from plugins.quantum.qasm.writer import operation_lines, write_qasm3
from tests.quantum.conftest import random_circuit


def test_angles_parse_format_and_refuse_non_affine() -> None:
    a = parse_angle("2*theta + pi/2 - theta/4")
    assert a.terms == (("theta", 1.75),) and abs(a.const - 1.5707963267948966) < 1e-15
    assert parse_angle(format_angle(a)) == a
    assert format_angle(Angle(-3 * 3.141592653589793 / 4)) == "-3*pi/4"
    assert parse_angle("sqrt(2)**2").const == pytest.approx(2.0)
    for bad, col in (("theta*phi", 5), ("sin(theta)", 0), ("1/theta", 1), ("(1+2", 0)):
        with pytest.raises(AngleError) as info:
            parse_angle(bad)
        assert info.value.column == col, bad


def test_round_trip_keeps_every_operation() -> None:
    circuit = random_circuit(4, 40, seed=3, symbols=True)
    text = write_qasm3(circuit)
    back = read_qasm(text).circuit
    assert [(o.name, o.qubits) for o in back.operations] == [(o.name, o.qubits) for o in circuit.operations]
    for a, b in zip(back.operations, circuit.operations, strict=True):
        for pa, pb in zip(a.params, b.params, strict=True):
            assert pa.terms == pb.terms and pa.const == pytest.approx(pb.const, abs=1e-12)
    lines = text.splitlines()
    first = circuit.operations[0]
    assert lines[operation_lines(circuit)[first] - 1].startswith(first.name)


def test_qiskit_reads_our_qasm3_to_the_same_unitary() -> None:
    from qiskit import qasm3
    from qiskit.quantum_info import Operator

    from plugins.quantum.qiskit_bridge.convert import to_qiskit

    circuit = random_circuit(3, 30, seed=5)
    theirs = qasm3.loads(write_qasm3(circuit))
    assert Operator(theirs).equiv(Operator(to_qiskit(circuit)))
    assert abs(Operator(theirs).data - Operator(to_qiskit(circuit)).data).max() < 1e-9  # global phase too


def test_qasm2_with_u_cu3_registers_and_gate_definitions() -> None:
    text = """OPENQASM 2.0;
include "qelib1.inc";
gate mygate(a) x, y { h x; cx x, y; rz(a/2) y; }
qreg q[2];
qreg r[1];
creg c[3];
u(pi/2,0,pi) q[0];
cu3(0.1, 0.2, 0.3) q[0], r[0];
mygate(pi) q[1], r[0];
h q;
measure q -> c[0:1];
"""
    with pytest.raises(QasmError) as info:
        read_qasm(text)
    assert info.value.line == 11  # slices are not supported; the error names the line
    program = read_qasm(text.replace("measure q -> c[0:1];", "measure q[1] -> c[2];"))
    names = [o.name for o in program.circuit.operations]
    assert program.version == 2 and program.circuit.num_qubits == 3
    assert sorted(names) == sorted(["u", "cu", "h", "cx", "rz", "h", "h", "measure"])
    rz = next(o for o in program.circuit.operations if o.name == "rz")
    assert rz.params[0].const == pytest.approx(3.141592653589793 / 2) and rz.qubits == (2,)


def test_qiskit_qasm2_dumps_reads_back() -> None:
    from qiskit import qasm2
    from qiskit.quantum_info import Operator

    from plugins.quantum.qiskit_bridge.convert import to_qiskit

    circuit = random_circuit(3, 25, seed=8)
    text = qasm2.dumps(to_qiskit(circuit))
    back = read_qasm(text).circuit
    assert Operator(to_qiskit(back)).equiv(Operator(to_qiskit(circuit)))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("OPENQASM 3.0;\nqubit[2] q;\nfoo q[0];\n", 3, "unknown gate 'foo'"),
        ("OPENQASM 3.0;\nqubit[2] q;\nh q[2];\n", 3, "out of range"),
        ("OPENQASM 3.0;\nqubit[2] q;\nrx(theta) q[0];\n", 3, "unknown symbol 'theta'"),
        ("OPENQASM 3.0;\nqubit[2] q;\ncx q[0];\n", 3, "takes 2 qubit"),
        ("OPENQASM 3.0;\nqubit[2] q;\nh q[0]\nx q[1];\n", 3, "cannot read the operand"),
        ("OPENQASM 3.0;\nqubit[1] q;\nreset q[0];\n", 3, "reset is not supported"),
        ("OPENQASM 3.0;\nqubit[1] q;\nh q[0];\n@", 4, "unexpected"),
        ("OPENQASM 4.0;\n", 1, "unsupported OpenQASM version"),
    ],
)
def test_errors_point_at_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(QasmError) as info:
        read_qasm(text)
    assert info.value.line == line, str(info.value)
    assert words in str(info.value)


def test_qasm3_inputs_measure_forms_and_hardware_qubits() -> None:
    text = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
const float half = pi / 2;
qubit[2] q;
bit[2] c;
ry(2*theta + half) q[0];
c[1] = measure q[0];
measure q[1] -> c[0];
"""
    circuit = read_qasm(text).circuit
    assert circuit.symbols == ("theta",)
    ry = circuit.operations[0]
    assert ry.params[0].terms == (("theta", 2.0),)
    assert sorted((o.qubits, o.clbit) for o in circuit.operations if o.name == "measure") == [((0,), 1), ((1,), 0)]
    hw = read_qasm("OPENQASM 3.0;\nh $3;\ncx $3, $1;\n").circuit
    assert hw.num_qubits == 4 and hw.operations[1].qubits == (3, 1)
