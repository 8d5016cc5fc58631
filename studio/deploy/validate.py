"""On-device validation: every output compared with the host's integer reference, byte for byte.

When a sample differs, the device is asked for each layer's output in turn (PROBE frames) until the first
layer whose bytes differ from the reference's: that layer is what the user (or a studio developer) looks at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.deploy.protocol import DeviceClient


@dataclass
class ValidationResult:
    """``mismatches`` counts samples whose output bytes differ from the reference; ``accuracy`` is the
    device's top-1 on ``samples`` labelled samples (None without labels); ``ticks`` per inference."""

    samples: int = 0
    mismatches: int = 0
    correct: int = 0
    labelled: bool = False
    ticks: list[int] = field(default_factory=list)
    first_mismatch: dict[str, Any] | None = None
    reference_correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.samples if self.labelled and self.samples else None

    @property
    def reference_accuracy(self) -> float | None:
        return self.reference_correct / self.samples if self.labelled and self.samples else None


def first_differing_layer(client: DeviceClient, model: Any, x: np.ndarray) -> dict[str, Any] | None:
    """Probe the device layer by layer on one input; the first layer whose output differs, or None."""
    from studio.int8.reference import run_int8

    values = run_int8(model, x[None], keep_all=True)
    for i, op in enumerate(model.ops):
        got = np.frombuffer(client.probe(i + 1, x.tobytes()).output, dtype=np.int8)
        want = values[op.output].reshape(-1)
        if got.shape != want.shape or np.any(got != want):
            diff = int(np.sum(got != want)) if got.shape == want.shape else -1
            return {"layer": op.name, "index": i, "differing_values": diff}
    return None


def validate_on_device(
    client: DeviceClient, model: Any, x_codes: np.ndarray, labels: np.ndarray | None, ctx: Any = None
) -> ValidationResult:
    """Run every sample of ``x_codes`` (N, *input shape, int8) on the device and compare with
    :func:`studio.int8.reference.run_int8`. Raises :class:`~studio.deploy.protocol.ProtocolError` when the
    device stops answering."""
    from studio.int8.reference import run_int8

    reference = run_int8(model, x_codes)[model.outputs[0]].reshape(len(x_codes), -1)
    result = ValidationResult(labelled=labels is not None)
    for i, x in enumerate(x_codes):
        if ctx is not None:
            ctx.check_cancelled()
        reply = client.infer(np.ascontiguousarray(x, dtype=np.int8).tobytes())
        got = np.frombuffer(reply.output, dtype=np.int8)
        result.samples += 1
        result.ticks.append(reply.ticks)
        if got.shape != reference[i].shape or np.any(got != reference[i]):
            result.mismatches += 1
            if result.first_mismatch is None:
                found = first_differing_layer(client, model, np.ascontiguousarray(x, dtype=np.int8))
                result.first_mismatch = {"sample": i, **(found or {"layer": None})}
        if labels is not None:
            result.correct += int(got.size and int(np.argmax(got)) == int(labels[i]))
            result.reference_correct += int(int(np.argmax(reference[i])) == int(labels[i]))
        if ctx is not None:
            ctx.progress(i + 1, len(x_codes), f"validated {i + 1}/{len(x_codes)} on the device")
    return result
