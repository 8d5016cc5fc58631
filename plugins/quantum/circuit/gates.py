"""The gate library: names, arities, labels and matrices (qiskit's conventions, so results compare exactly).

Matrix convention: for a gate on qubits ``(a, b, ...)`` the matrix index is ``bit(a) + 2*bit(b) + ...`` (the first
qubit is the least significant, as in qiskit), so ``cx`` on ``(control, target)`` is qiskit's ``CXGate``. Matrices
are built in torch for a batch of angles at once: ``spec.matrix(angles, dtype)`` takes one real tensor per
parameter (any common shape ``S``) and returns a complex tensor of shape ``S + (d, d)``. Diagonal gates also give
``spec.diagonal`` so the simulator can multiply instead of doing a matrix product.

torch is imported inside the functions; importing this module costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.core.errors import StudioError


class UnknownGateError(StudioError):
    """A gate name the library does not know."""


Tensor = Any  # torch.Tensor, kept loose so this module imports without torch
MatrixFn = Callable[[Sequence[Tensor], Any], Tensor]


@dataclass(frozen=True)
class GateSpec:
    """One gate kind. ``controls`` leading qubits are drawn as dots; ``family`` picks the colour on the grid."""

    name: str
    num_qubits: int
    num_params: int
    label: str
    family: str
    description: str
    matrix: MatrixFn | None = None
    diagonal: MatrixFn | None = None
    param_names: tuple[str, ...] = ()
    controls: int = 0
    aliases: tuple[str, ...] = field(default=())

    @property
    def is_unitary(self) -> bool:
        return self.matrix is not None


# --- builders -------------------------------------------------------------------------------------------------
def _torch() -> Any:
    import torch

    return torch


def _real_dtype(dtype: Any) -> Any:
    torch = _torch()
    return torch.float64 if dtype == torch.complex128 else torch.float32


def _const(rows: list[list[complex]]) -> MatrixFn:
    cache: dict[Any, Tensor] = {}

    def build(_params: Sequence[Tensor], dtype: Any) -> Tensor:
        if dtype not in cache:
            cache[dtype] = _torch().tensor(rows, dtype=dtype)
        return cache[dtype]

    return build


def _const_diag(values: list[complex]) -> MatrixFn:
    cache: dict[Any, Tensor] = {}

    def build(_params: Sequence[Tensor], dtype: Any) -> Tensor:
        if dtype not in cache:
            cache[dtype] = _torch().tensor(values, dtype=dtype)
        return cache[dtype]

    return build


def _phase(theta: Tensor, dtype: Any) -> Tensor:
    """exp(i·theta) as a complex tensor."""
    torch = _torch()
    theta = theta.to(_real_dtype(dtype))
    return torch.polar(torch.ones_like(theta), theta).to(dtype)


def _stack(rows: list[list[Tensor]], dtype: Any) -> Tensor:
    """Stack a grid of same-shaped tensors (or python numbers) into shape ``S + (d, d)``."""
    torch = _torch()
    shape = next(x.shape for row in rows for x in row if isinstance(x, torch.Tensor))
    flat = [
        x.to(dtype) if isinstance(x, torch.Tensor) else torch.full(shape, x, dtype=dtype) for row in rows for x in row
    ]
    d = len(rows)
    return torch.stack(flat, dim=-1).reshape(*shape, d, d)


def _rx(p: Sequence[Tensor], dtype: Any) -> Tensor:
    torch = _torch()
    c, s = torch.cos(p[0] / 2).to(dtype), torch.sin(p[0] / 2).to(dtype)
    return _stack([[c, -1j * s], [-1j * s, c]], dtype)


def _ry(p: Sequence[Tensor], dtype: Any) -> Tensor:
    torch = _torch()
    c, s = torch.cos(p[0] / 2).to(dtype), torch.sin(p[0] / 2).to(dtype)
    return _stack([[c, -s], [s, c]], dtype)


def _rz_diag(p: Sequence[Tensor], dtype: Any) -> Tensor:
    return _torch().stack([_phase(-p[0] / 2, dtype), _phase(p[0] / 2, dtype)], dim=-1)


def _p_diag(p: Sequence[Tensor], dtype: Any) -> Tensor:
    e = _phase(p[0], dtype)
    return _torch().stack([_torch().ones_like(e), e], dim=-1)


def _u(p: Sequence[Tensor], dtype: Any) -> Tensor:
    torch = _torch()
    theta, phi, lam = p
    c, s = torch.cos(theta / 2).to(dtype), torch.sin(theta / 2).to(dtype)
    return _stack([[c, -_phase(lam, dtype) * s], [_phase(phi, dtype) * s, _phase(phi + lam, dtype) * c]], dtype)


def _u2(p: Sequence[Tensor], dtype: Any) -> Tensor:
    phi, lam = p
    return _u([_torch().full_like(phi, math.pi / 2), phi, lam], dtype)


def _diag_from(diag: MatrixFn) -> MatrixFn:
    def build(p: Sequence[Tensor], dtype: Any) -> Tensor:
        return _torch().diag_embed(diag(p, dtype))

    return build


def controlled(base: MatrixFn, base_qubits: int = 1, controls: int = 1) -> MatrixFn:
    """The matrix of ``base`` controlled on the first ``controls`` qubits (all in state 1), qiskit ordering."""

    def build(p: Sequence[Tensor], dtype: Any) -> Tensor:
        torch = _torch()
        u = base(p, dtype)
        d_ctrl, d_base = 2**controls, 2**base_qubits
        d = d_ctrl * d_base
        eye = torch.eye(d, dtype=dtype).expand(*u.shape[:-2], d, d).clone()
        on = d_ctrl - 1  # all control bits 1; controls are the low bits of the index
        idx = torch.arange(d_base) * d_ctrl + on
        rows = idx.view(-1, 1).expand(d_base, d_base)
        cols = idx.view(1, -1).expand(d_base, d_base)
        eye[..., rows, cols] = u
        return eye

    return build


def controlled_diag(base_diag: MatrixFn, controls: int = 1) -> MatrixFn:
    def build(p: Sequence[Tensor], dtype: Any) -> Tensor:
        torch = _torch()
        u = base_diag(p, dtype)  # (..., 2)
        ones = torch.ones_like(u[..., :1])
        d_ctrl = 2**controls
        parts = []
        for t in range(u.shape[-1]):
            parts.extend([ones] * (d_ctrl - 1) + [u[..., t : t + 1]])
        return torch.cat(parts, dim=-1)

    return build


def _rzz_diag(p: Sequence[Tensor], dtype: Any) -> Tensor:
    a, b = _phase(-p[0] / 2, dtype), _phase(p[0] / 2, dtype)
    return _torch().stack([a, b, b, a], dim=-1)


def _rxx(p: Sequence[Tensor], dtype: Any) -> Tensor:
    torch = _torch()
    c, s = torch.cos(p[0] / 2).to(dtype), -1j * torch.sin(p[0] / 2).to(dtype)
    return _stack([[c, 0, 0, s], [0, c, s, 0], [0, s, c, 0], [s, 0, 0, c]], dtype)


def _ryy(p: Sequence[Tensor], dtype: Any) -> Tensor:
    torch = _torch()
    c, s = torch.cos(p[0] / 2).to(dtype), 1j * torch.sin(p[0] / 2).to(dtype)
    return _stack([[c, 0, 0, s], [0, c, -s, 0], [0, -s, c, 0], [s, 0, 0, c]], dtype)


def _cu(p: Sequence[Tensor], dtype: Any) -> Tensor:
    theta, phi, lam, gamma = p
    inner = _u([theta, phi, lam], dtype) * _phase(gamma, dtype)[..., None, None]
    return controlled(lambda _p, _d: inner)([], dtype)


_S2 = 1 / math.sqrt(2)
_X = [[0, 1], [1, 0]]
_Y = [[0, -1j], [1j, 0]]
_H = [[_S2, _S2], [_S2, -_S2]]
_SX = [[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]]
_SXDG = [[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]]
_T = complex(math.cos(math.pi / 4), math.sin(math.pi / 4))
_SWAP = [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
_ECR = [[0, _S2, 0, 1j * _S2], [_S2, 0, -1j * _S2, 0], [0, 1j * _S2, 0, _S2], [-1j * _S2, 0, _S2, 0]]
_U_PARAMS = ("theta", "phi", "lambda")


def _spec(name: str, nq: int, label: str, family: str, description: str, **kw: Any) -> GateSpec:
    if "diagonal" in kw and "matrix" not in kw:
        kw["matrix"] = _diag_from(kw["diagonal"])
    return GateSpec(name, nq, len(kw.get("param_names", ())), label, family, description, **kw)


_THETA = ("theta",)
GATES: tuple[GateSpec, ...] = (
    _spec("id", 1, "I", "pauli", "identity", diagonal=_const_diag([1, 1])),
    _spec("h", 1, "H", "clifford", "Hadamard: |0> to |+>", matrix=_const(_H)),
    _spec("x", 1, "X", "pauli", "Pauli X (NOT)", matrix=_const(_X)),
    _spec("y", 1, "Y", "pauli", "Pauli Y", matrix=_const(_Y)),
    _spec("z", 1, "Z", "pauli", "Pauli Z", diagonal=_const_diag([1, -1])),
    _spec("s", 1, "S", "phase", "phase pi/2 (sqrt Z)", diagonal=_const_diag([1, 1j])),
    _spec("sdg", 1, "S†", "phase", "phase -pi/2", diagonal=_const_diag([1, -1j])),
    _spec("t", 1, "T", "phase", "phase pi/4", diagonal=_const_diag([1, _T])),
    _spec("tdg", 1, "T†", "phase", "phase -pi/4", diagonal=_const_diag([1, _T.conjugate()])),
    _spec("sx", 1, "√X", "clifford", "square root of X", matrix=_const(_SX)),
    _spec("sxdg", 1, "√X†", "clifford", "inverse square root of X", matrix=_const(_SXDG)),
    _spec("rx", 1, "RX", "rotation", "rotation about X", matrix=_rx, param_names=_THETA),
    _spec("ry", 1, "RY", "rotation", "rotation about Y", matrix=_ry, param_names=_THETA),
    _spec("rz", 1, "RZ", "rotation", "rotation about Z", diagonal=_rz_diag, param_names=_THETA),
    _spec("p", 1, "P", "phase", "phase on |1>", diagonal=_p_diag, param_names=("lambda",), aliases=("phase", "u1")),
    _spec("u", 1, "U", "rotation", "general 1-qubit gate", matrix=_u, param_names=_U_PARAMS),
    _spec("u2", 1, "U2", "rotation", "U(pi/2, phi, lambda)", matrix=_u2, param_names=("phi", "lambda")),
    _spec("cx", 2, "X", "multi", "controlled X (CNOT)", matrix=controlled(_const(_X)), controls=1, aliases=("cnot",)),
    _spec("cy", 2, "Y", "multi", "controlled Y", matrix=controlled(_const(_Y)), controls=1),
    _spec("cz", 2, "Z", "multi", "controlled Z", diagonal=_const_diag([1, 1, 1, -1]), controls=1),
    _spec("ch", 2, "H", "multi", "controlled Hadamard", matrix=controlled(_const(_H)), controls=1),
    _spec("crx", 2, "RX", "multi", "controlled RX", matrix=controlled(_rx), controls=1, param_names=_THETA),
    _spec("cry", 2, "RY", "multi", "controlled RY", matrix=controlled(_ry), controls=1, param_names=_THETA),
    _spec("crz", 2, "RZ", "multi", "controlled RZ", diagonal=controlled_diag(_rz_diag), controls=1, param_names=_THETA),
    _spec("cp", 2, "P", "multi", "controlled phase", diagonal=controlled_diag(_p_diag), controls=1,
          param_names=("lambda",),
          aliases=("cphase", "cu1")),
    _spec("cu", 2, "U", "multi", "controlled U with phase", matrix=_cu, controls=1,
          param_names=(*_U_PARAMS, "gamma")),
    _spec("swap", 2, "×", "multi", "swap two qubits", matrix=_const(_SWAP)),
    _spec("ecr", 2, "ECR", "multi", "echoed cross-resonance (IBM basis gate)", matrix=_const(_ECR)),
    _spec("rxx", 2, "RXX", "multi", "XX rotation", matrix=_rxx, param_names=_THETA),
    _spec("ryy", 2, "RYY", "multi", "YY rotation", matrix=_ryy, param_names=_THETA),
    _spec("rzz", 2, "RZZ", "multi", "ZZ rotation", diagonal=_rzz_diag, param_names=_THETA),
    _spec("ccx", 3, "X", "multi", "Toffoli", matrix=controlled(_const(_X), 1, 2), controls=2, aliases=("toffoli",)),
    _spec("cswap", 3, "×", "multi", "Fredkin", matrix=controlled(_const(_SWAP), 2, 1), controls=1),
    _spec("measure", 1, "M", "measure", "measure into a classical bit"),
    _spec("barrier", 1, "", "barrier", "barrier (keeps the transpiler from moving gates across it)"),
)  # fmt: skip

_BY_NAME: dict[str, GateSpec] = {}
for _g in GATES:
    _BY_NAME[_g.name] = _g
    for _alias in _g.aliases:
        _BY_NAME[_alias] = _g
_BY_NAME["u3"] = _BY_NAME["u"]
_BY_NAME["cnot"] = _BY_NAME["cx"]

#: What the builder's palette offers, in order (the rest is reachable from QASM).
PALETTE: tuple[str, ...] = (
    "h", "x", "y", "z", "s", "t", "sx", "rx", "ry", "rz", "u", "cx", "cz", "crx", "swap", "measure", "barrier",
    "sdg", "tdg", "p", "cp", "rzz", "ccx",
)  # fmt: skip


def gate(name: str) -> GateSpec:
    """The spec for ``name`` (aliases like ``u3``, ``cnot``, ``phase`` work); raises :class:`UnknownGateError`."""
    try:
        return _BY_NAME[name.lower()]
    except KeyError:
        raise UnknownGateError(f"unknown gate {name!r}") from None


def is_gate(name: str) -> bool:
    return name.lower() in _BY_NAME


def canonical_name(name: str) -> str:
    """The library name of ``name`` (``u3`` -> ``u``, ``cnot`` -> ``cx``)."""
    return gate(name).name
