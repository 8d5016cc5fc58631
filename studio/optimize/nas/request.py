"""What a search job is asked to do, as one picklable value (the GUI's form and the CLI's flags fill it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from studio.optimize.nas.constraints import Constraints
from studio.optimize.nas.progressive import SupernetTrainingConfig


@dataclass(frozen=True)
class NasRequest:
    """A constrained search on ``data``: train (or reuse) the supernet, then ``trials`` candidates.

    ``space_toml`` is the text of the space (None: the built-in one), so the job does not depend on a file
    that may change. ``work_dir`` keeps supernets (reused when space, data and training settings are equal),
    checkpoints and the latency table; ``store_path``/``run_id`` name the trial database and history entry.
    ``ray_address`` runs trials as Ray tasks; ``ray_train_workers`` >= 1 also trains the supernet with Ray
    Train on that many workers.
    """

    data: str = "digits"
    space_toml: str | None = None
    supernet: SupernetTrainingConfig = field(default_factory=SupernetTrainingConfig)
    strategy: str = "evolution"
    trials: int = 20
    population: int = 8
    seed: int = 0
    constraints: Constraints = field(default_factory=Constraints)
    measure_latency: bool = False
    ray_address: str | None = None
    ray_train_workers: int = 0
    work_dir: str = ""
    store_path: str = ""
    run_id: int | None = None

    def supernet_fingerprint(self) -> str:
        """Equal for requests whose supernets are interchangeable (space, data, training settings)."""
        text = json.dumps(
            {"space": self.space_toml or "", "data": self.data, "supernet": self.supernet.to_dict()}, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def to_params(self) -> dict[str, Any]:
        """What the job history keeps about this request (JSON-able): enough for :meth:`from_params`."""
        data = asdict(self)
        data["space_toml"] = "custom" if self.space_toml else "built-in"
        data["space_toml_text"] = self.space_toml  # verbatim: the supernet's fingerprint hashes this text
        return data

    @classmethod
    def from_params(cls, params: dict[str, Any], **overrides: Any) -> NasRequest:
        """The request a stored run was started with (``to_params()``), e.g. to resume it; ``overrides``
        replace fields (``run_id``, ``store_path`` ...).

        Raises :class:`StudioError` for a run with a custom space recorded before its text was kept.
        """
        from studio.core.errors import StudioError

        if params.get("space_toml") == "custom" and not params.get("space_toml_text"):
            raise StudioError("this run's custom search space was not recorded; start it again from the form")
        values = {k: params[k] for k in cls.__dataclass_fields__ if k in params}
        values["space_toml"] = params.get("space_toml_text")
        values["supernet"] = SupernetTrainingConfig.from_dict(params.get("supernet") or {})
        values["constraints"] = Constraints.from_dict(params.get("constraints") or {})
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class FinetuneRequest:
    """Extract ``arch_json`` from the supernet at ``supernet_path`` and fine-tune it on ``data``."""

    supernet_path: str
    arch_json: str
    data: str = "digits"
    epochs: int = 5
    learning_rate: float = 0.002
    seed: int = 0
    out_dir: str = ""
    store_path: str = ""
    run_id: int | None = None
