"""Where trials are evaluated: in this process (the job's worker), or as tasks on a Ray cluster.

Both take a batch of architectures and return their accuracies in the same order; both check the job's
cancel flag while they wait, so Cancel stops a search within a trial.
"""

from __future__ import annotations

from typing import Any, Protocol

from studio.optimize.nas.arch import SubnetArch
from studio.optimize.nas.trial_eval import TrialData, evaluate_arch


class TrialExecutor(Protocol):
    """Evaluates batches of subnets with one trained supernet."""

    name: str

    def evaluate(self, archs: list[SubnetArch], ctx: Any = None) -> list[float]: ...

    def close(self) -> None: ...


class LocalTrialExecutor:
    """One trial after the other in the calling process."""

    name = "local"

    def __init__(self, supernet: Any, data: TrialData) -> None:
        self.supernet = supernet
        self.data = data

    def evaluate(self, archs: list[SubnetArch], ctx: Any = None) -> list[float]:
        out = []
        for arch in archs:
            if ctx is not None:
                ctx.check_cancelled()
            out.append(evaluate_arch(self.supernet, arch, self.data))
        return out

    def close(self) -> None:
        pass


def make_executor(supernet: Any, data: TrialData, ray_address: str | None = None) -> TrialExecutor:
    """A Ray executor when ``ray_address`` is given (see :mod:`.ray_backend`), else a local one."""
    if ray_address:
        from studio.optimize.nas.ray_backend import RayTrialExecutor, connect

        connect(ray_address)
        return RayTrialExecutor(supernet, data)
    return LocalTrialExecutor(supernet, data)
