"""The trained classifier on qiskit-aer: the transpiled circuit, bound per sample, under ``NoiseModel.from_backend``.

Why it matters: it is an independent simulator running the calibrated noise model (not our twirl or our
channels), with shot noise, so it tells whether what the torch simulators say about noise holds.
Circuits are transpiled once and bound per sample (NOTES: binding 256 is ~0.02 s, transpiling each ~0.2 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugins.quantum.qnn.data import encode_angles


def aer_expectations(
    tqc: Any, values: np.ndarray, symbols: list[str], backend: str, shots: int, seed: int, noise_model: Any = None
) -> np.ndarray:
    """``(N, k)`` <Z> of each classical bit from Aer counts, one bound circuit per row of ``values``.

    ``noise_model`` (default: ``NoiseModel.from_backend`` of ``backend``) is the Aer noise to run under.
    """
    from qiskit_aer import AerSimulator

    from plugins.quantum.noise.backends import aer_noise_model

    by_name = {p.name: p for p in tqc.parameters}
    order = [by_name[s] for s in symbols if s in by_name]
    columns = [symbols.index(p.name) for p in order]
    circuits = [tqc.assign_parameters(dict(zip(order, row[columns], strict=True))) for row in values]
    model = noise_model if noise_model is not None else aer_noise_model(backend)
    sim = AerSimulator(method="density_matrix", noise_model=model, seed_simulator=seed)
    result = sim.run(circuits, shots=shots).result()
    width = tqc.num_clbits
    out = np.zeros((len(circuits), width))
    for i in range(len(circuits)):
        for key, count in result.get_counts(i).items():
            bits = key.replace(" ", "")
            for b in range(width):
                out[i, b] += count * (1 - 2 * int(bits[-1 - b]))
    return out / shots


def aer_accuracy(
    tqc: Any,
    model: Any,
    data: Any,
    backend: str,
    shots: int,
    seed: int,
    noise_model: Any = None,
    calibration: Any = None,
) -> float:
    """Accuracy of ``model`` (its weights and head) when its <Z> values come from Aer.

    With a normalizing head, the normalization statistics come from ``calibration`` (a data set run on Aer in the
    same call; ``None``: the evaluated digits' own statistics), never from the noise-free simulator.
    """
    import torch

    from plugins.quantum.qnn.head import NormStats

    x = data.x if calibration is None or not model.head.normalize else np.concatenate([data.x, calibration.x])
    angles = np.asarray(encode_angles(x), dtype=float)
    weights = model.weights.detach().numpy().astype(float)
    values = np.concatenate([angles, np.broadcast_to(weights, (len(angles), len(weights)))], axis=1)
    z = torch.tensor(aer_expectations(tqc, values, model.symbols, backend, shots, seed, noise_model))
    z_eval, z_cal = z[: len(data.x)], z[len(data.x) :]
    stats = NormStats.of(z_cal if len(z_cal) else z_eval) if model.head.normalize else None
    with torch.no_grad():
        logits = model.logits(z_eval, stats)
    return float((logits.argmax(dim=1).numpy() == data.y).mean())
