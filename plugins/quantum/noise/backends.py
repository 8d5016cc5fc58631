"""qiskit-ibm-runtime's offline fake backends: names, loading, and their noise as a :class:`NoiseModelSpec`.

The device noise is built with qiskit-aer's own ``basic_device_gate_errors``/``basic_device_readout_errors`` on
the backend's target, the functions ``NoiseModel.from_backend`` uses, so the torch simulators and Aer run the
same calibrated channels (depolarizing plus thermal relaxation per gate and qubits, readout per qubit).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

from studio.core.errors import StudioError

#: Offered first in the device list (the issue's small IBM devices), then every other fake backend.
FEATURED_BACKENDS: tuple[str, ...] = (
    "FakeManilaV2",
    "FakeJakartaV2",
    "FakeQuitoV2",
    "FakeBelemV2",
    "FakeSantiagoV2",
    "FakeYorktownV2",
    "FakeLimaV2",
    "FakeNairobiV2",
    "FakePerth",
    "FakeTorino",
    "FakeSherbrooke",
)


class UnknownBackendError(StudioError):
    """No fake backend of that name."""


def all_backend_names() -> list[str]:
    """Every fake backend class in ``qiskit_ibm_runtime.fake_provider``, featured ones first."""
    import qiskit_ibm_runtime.fake_provider as fake_provider

    names = sorted(n for n in dir(fake_provider) if n.startswith("Fake") and n not in _NOT_DEVICES)
    return [n for n in FEATURED_BACKENDS if n in names] + [n for n in names if n not in FEATURED_BACKENDS]


_NOT_DEVICES = {"FakeProviderForBackendV2", "FakeFractionalBackend", "FakeProvider"}


def resolve_backend_name(name: str) -> str:
    """``manila``, ``FakeManila`` or ``FakeManilaV2`` -> ``FakeManilaV2``; raises :class:`UnknownBackendError`."""
    wanted = name.strip().lower().removeprefix("fake").removesuffix("v2")
    for candidate in all_backend_names():
        if candidate.lower().removeprefix("fake").removesuffix("v2") == wanted:
            return candidate
    raise UnknownBackendError(f"no fake backend {name!r} (try FakeManilaV2, FakeJakartaV2, FakeTorino ...)")


@functools.lru_cache(maxsize=8)
def load_backend(name: str) -> Any:
    """The fake backend object (cached: loading reads its calibration JSON)."""
    import qiskit_ibm_runtime.fake_provider as fake_provider

    return getattr(fake_provider, resolve_backend_name(name))()


def backend_summary(name: str) -> dict[str, Any]:
    """Qubits, basis gates and coupling edges, for the device picker."""
    backend = load_backend(name)
    target = backend.target
    basis = sorted(n for n in target.operation_names if n not in ("for_loop", "if_else", "switch_case", "while_loop"))
    edges = sorted({tuple(sorted(e)) for e in (backend.coupling_map or [])})
    return {"name": resolve_backend_name(name), "num_qubits": backend.num_qubits, "basis_gates": basis, "edges": edges}


def device_errors(name: str) -> tuple[list[tuple[str, tuple[int, ...], Any]], list[tuple[tuple[int, ...], Any]]]:
    """qiskit-aer's gate errors ``(gate, qubits, QuantumError)`` and readout errors of the device."""
    from qiskit_aer.noise.device.models import basic_device_gate_errors, basic_device_readout_errors

    target = load_backend(name).target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "warnings are ignored when target is supplied"
        gate_errors = basic_device_gate_errors(target=target, warnings=True)
        readout_errors = basic_device_readout_errors(target=target)
    return list(gate_errors), list(readout_errors)


def aer_noise_model(name: str) -> Any:
    """``NoiseModel.from_backend`` for the device (what "Verify with Aer" runs)."""
    from qiskit_aer.noise import NoiseModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NoiseModel.from_backend(load_backend(name))
