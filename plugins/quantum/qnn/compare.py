"""Plain vs noise-aware training on the same task: QuantumNAT's claim, measured at our scale.

:func:`compare_job` trains the classifier twice on the same split and seed, plainly and noise-aware, and reports
each one's accuracy noise-free, under the device's noise (torch) and on Aer, and what noise cost each.
:func:`compare_seeds_job` repeats that over several seeds (each seed draws its own split, initial weights and
noise) and reports mean and standard deviation, since one 216-digit validation set moves by a few points
between seeds. Both are module-level process jobs with plain-data arguments and results.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from typing import Any

from plugins.quantum.qnn.train import QnnTrainConfig, train_job
from studio.core.errors import StudioError

RUNS = ("plain", "noise_aware")
ACCURACIES = ("noise_free", "noisy_torch", "aer")


def compare_job(ctx: Any, config: QnnTrainConfig) -> dict[str, Any]:
    """Train plainly and noise-aware on ``config.backend``'s noise; ``config``'s toggles say what noise-aware
    means (all three when none is on). Returns both results and each one's accuracy lost under noise.

    Raises StudioError without a device.
    """
    if not config.backend:
        raise StudioError("comparing plain and noise-aware training needs a device (--noise BACKEND)")
    aware_config = config if config.noise_aware else config.aware()
    plain = train_job(ctx, config.plain(), "plain")
    aware = train_job(ctx, aware_config, "noise-aware")

    def gap(result: dict[str, Any], key: str) -> float | None:
        acc = result["accuracy"]
        return None if acc[key] is None else acc["noise_free"] - acc[key]

    return {
        "plain": plain,
        "noise_aware": aware,
        "gap_under_noise": {
            "plain": gap(plain, "noisy_torch"),
            "noise_aware": gap(aware, "noisy_torch"),
            "plain_aer": gap(plain, "aer"),
            "noise_aware_aer": gap(aware, "aer"),
        },
    }


def _mean_sd(values: Sequence[float]) -> dict[str, Any]:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "sd": sd, "values": list(values)}


def compare_seeds_job(ctx: Any, config: QnnTrainConfig, seeds: Sequence[int]) -> dict[str, Any]:
    """:func:`compare_job` for each seed; ``summary[run][accuracy]`` holds mean, sd and the per-seed values
    (``lost_noisy_torch``/``lost_aer``: accuracy lost to noise), ``summary["advantage"]`` the noise-aware minus
    plain accuracy (per seed, then mean and sd).

    Raises StudioError for an empty seed list or without a device.
    """
    if not seeds:
        raise StudioError("give at least one seed")
    runs: list[dict[str, Any]] = []
    for k, seed in enumerate(seeds):
        ctx.log(f"seed {seed} ({k + 1} of {len(seeds)})")
        runs.append(compare_job(ctx, dataclasses.replace(config, seed=int(seed))))
    summary: dict[str, Any] = {}
    for run in RUNS:
        summary[run] = {}
        for key in ACCURACIES:
            values = [r[run]["accuracy"][key] for r in runs]
            if all(v is not None for v in values):
                summary[run][key] = _mean_sd(values)
                if key != "noise_free":  # accuracy lost to noise
                    lost = [r[run]["accuracy"]["noise_free"] - v for r, v in zip(runs, values, strict=True)]
                    summary[run][f"lost_{key}"] = _mean_sd(lost)
    summary["advantage"] = {
        key: _mean_sd([r["noise_aware"]["accuracy"][key] - r["plain"]["accuracy"][key] for r in runs])
        for key in ACCURACIES
        if key in summary["plain"] and key in summary["noise_aware"]
    }
    return {"seeds": [int(s) for s in seeds], "summary": summary, "runs": runs}
