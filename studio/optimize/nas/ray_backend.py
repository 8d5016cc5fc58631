"""Running the same work on a Ray cluster: trials as Ray tasks, supernet training with Ray Train.

Why Ray and not our own cluster code: it schedules tasks over many machines, moves the supernet once through
its object store, and Ray Train's ``TorchTrainer`` starts the data-parallel workers and their gloo process
group. Ray is optional (``pip install 'tinyml-studio[ray]'``); nothing imports it unless an address is given.

``address`` is a cluster address (``ray://host:10001``, ``host:6379``, ``auto``) or ``local``, which starts a
two-CPU Ray instance in this process (tests, trying it out). A remote cluster gets the ``studio`` package
shipped with the job (``runtime_env`` ``py_modules``); its nodes need torch and numpy installed.
"""

from __future__ import annotations

import json
import queue as queue_module
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError
from studio.optimize.nas.arch import SubnetArch

if TYPE_CHECKING:
    from studio.data.datasets import Dataset
    from studio.optimize.nas.progressive import SupernetTrainingConfig
    from studio.optimize.nas.trial_eval import TrialData

LOCAL_ADDRESS = "local"
_WAIT_S = 0.2


class RayUnavailableError(StudioError):
    """Ray is not installed, or the cluster cannot be reached."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(
            "Ray is not installed; install the extra with: pip install 'tinyml-studio[ray]'"
        ) from None
    return ray


def connect(address: str) -> Any:
    """Connect to the cluster at ``address`` (or start a local one); a no-op when already connected.

    Raises :class:`RayUnavailableError` when Ray is missing or the address does not answer.
    """
    ray = _ray()
    if ray.is_initialized():
        return ray
    try:
        if address == LOCAL_ADDRESS:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            import studio

            ray.init(
                address=address,
                log_to_driver=False,
                runtime_env={"py_modules": [str(Path(studio.__file__).parent)]},
            )
    except Exception as exc:  # ray raises ConnectionError, RuntimeError, ValueError ... for a bad address
        raise RayUnavailableError(f"cannot connect to Ray at {address!r}: {type(exc).__name__}: {exc}") from None
    return ray


def _evaluate_payload(payload: dict[str, Any], arch_json: str) -> float:
    """The body of a trial task: rebuild the supernet from its weights, evaluate one architecture."""
    from studio.optimize.nas.space import space_from_dict
    from studio.optimize.nas.supernet_io import supernet_from_state
    from studio.optimize.nas.trial_eval import evaluate_arch

    space = space_from_dict(payload["space"])
    supernet = supernet_from_state(space, payload["in_channels"], payload["num_classes"], payload["state_dict"])
    return evaluate_arch(supernet, SubnetArch.from_json(arch_json), payload["data"])


class RayTrialExecutor:
    """Each trial of a batch is one Ray task (one CPU); the supernet goes to the object store once."""

    name = "ray"

    def __init__(self, supernet: Any, data: TrialData) -> None:
        ray = _ray()
        self._ray = ray
        state = {k: v.detach().clone().contiguous() for k, v in supernet.state_dict().items()}
        payload = {
            "space": supernet.space.to_dict(),
            "in_channels": supernet.in_channels,
            "num_classes": supernet.num_classes,
            "state_dict": state,
            "data": data,
        }
        self._payload = ray.put(payload)
        self._task = ray.remote(num_cpus=1)(_evaluate_payload)

    def evaluate(self, archs: list[SubnetArch], ctx: Any = None) -> list[float]:
        refs = [self._task.remote(self._payload, arch.to_json()) for arch in archs]
        pending = list(refs)
        while pending:
            if ctx is not None and ctx.cancelled:
                for ref in pending:
                    self._ray.cancel(ref, force=True)
                ctx.check_cancelled()
            _done, pending = self._ray.wait(pending, num_returns=len(pending), timeout=_WAIT_S)
        return [float(v) for v in self._ray.get(refs)]

    def close(self) -> None:
        self._payload = None


# ------------------------------------------------------------------------------------- Ray Train


class _QueueContext:
    """What rank 0's training loop reports to: a Ray queue the driver reads (progress, log lines)."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        self.cancelled = False

    def progress(self, done: float, total: float, message: str = "") -> None:
        self._queue.put(("progress", done, total, message))

    def log(self, message: object) -> None:
        self._queue.put(("log", str(message)))

    def check_cancelled(self) -> None:
        pass


def _average_gradients(model: Any) -> None:
    """DDP's reduction, by hand: average every gradient over the workers (gloo all-reduce).

    Why not the DDP wrapper: progressive shrinking runs several subnets forward before one backward, which
    DDP's bucketed reducer does not allow; every rank samples the same subnets, so the sums line up.
    """
    import torch
    import torch.distributed as dist

    world = dist.get_world_size()
    for p in model.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad.div_(world)


def _ray_train_loop(cfg: dict[str, Any]) -> None:
    """Runs on every Ray Train worker: the same progressive shrinking on this worker's shard of the data."""
    import tempfile

    import ray.train
    import torch

    from studio.data.datasets import Dataset
    from studio.optimize.nas.progressive import SupernetTrainingConfig, train_supernet
    from studio.optimize.nas.space import space_from_dict
    from studio.optimize.nas.supernet_io import supernet_from_state

    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    torch.set_num_threads(1)
    space = space_from_dict(cfg["space"])
    supernet = supernet_from_state(space, cfg["in_channels"], cfg["num_classes"], cfg["init_state"])
    x, y = cfg["x"], cfg["y"]
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(cfg["config"]["seed"])).numpy()
    per_worker = len(y) // world  # equal shards: every rank takes the same number of steps
    shard = order[rank::world][:per_worker]
    data = Dataset(x[shard], y[shard], tuple(cfg["class_names"]), "shard")
    config = SupernetTrainingConfig.from_dict(cfg["config"])
    config = SupernetTrainingConfig.from_dict({**config.to_dict(), "batch_size": max(1, config.batch_size // world)})
    ctx = _QueueContext(cfg["queue"]) if rank == 0 else None
    with tempfile.TemporaryDirectory() as work:
        history = train_supernet(supernet, data, config, work, ctx, after_backward=_average_gradients)
    if rank == 0:
        state = {k: v.detach().contiguous() for k, v in supernet.state_dict().items()}
        cfg["queue"].put(("done", state, json.dumps(history)))
    ray.train.report({"loss": history[-1]["loss"] if history else float("nan")})


def train_supernet_on_ray(
    address: str,
    supernet: Any,
    train: Dataset,
    config: SupernetTrainingConfig,
    ctx: Any = None,
    num_workers: int = 2,
    storage_dir: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Train ``supernet`` data-parallel on ``num_workers`` Ray Train workers (DDP-style over gloo, CPU).

    The result is loaded into ``supernet``; returns the per-epoch history of rank 0. Progress reaches ``ctx``
    through a Ray queue while the trainer runs. Raises :class:`RayUnavailableError` when Ray is missing and
    :class:`StudioError` when training fails on the cluster.
    """
    ray = connect(address)
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer
    from ray.util.queue import Queue

    queue = Queue()
    cfg = {
        "space": supernet.space.to_dict(),
        "in_channels": supernet.in_channels,
        "num_classes": supernet.num_classes,
        "init_state": {k: v.detach().clone().contiguous() for k, v in supernet.state_dict().items()},
        "x": train.x,
        "y": train.y,
        "class_names": list(train.class_names),
        "config": config.to_dict(),
        "queue": queue,
    }
    run_config = RunConfig(name=f"supernet-{int(time.time())}", storage_path=str(storage_dir) if storage_dir else None)
    trainer = TorchTrainer(
        _ray_train_loop,
        train_loop_config=cfg,
        scaling_config=ScalingConfig(num_workers=num_workers, use_gpu=False, resources_per_worker={"CPU": 1}),
        torch_config=TorchConfig(backend="gloo"),
        run_config=run_config,
    )
    outcome: dict[str, Any] = {}

    def fit() -> None:
        try:
            outcome["result"] = trainer.fit()
        except Exception as exc:  # reported on the job's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=fit, name="ray-train-fit", daemon=True)
    thread.start()
    final: tuple[Any, ...] | None = None
    while thread.is_alive() or not queue.empty():
        try:
            message = queue.get(timeout=_WAIT_S)
        except (queue_module.Empty, Exception):  # ray.util.queue.Empty subclasses queue.Empty
            if ctx is not None:
                ctx.check_cancelled()
            continue
        if message[0] == "progress" and ctx is not None:
            ctx.progress(message[1], message[2], f"{message[3]} (Ray Train, {num_workers} workers)")
        elif message[0] == "log" and ctx is not None:
            ctx.log(message[1])
        elif message[0] == "done":
            final = message
    thread.join()
    if "error" in outcome:
        exc = outcome["error"]
        raise StudioError(f"supernet training on Ray failed: {type(exc).__name__}: {exc}".splitlines()[0])
    if final is None:
        raise StudioError("supernet training on Ray ended without sending the trained weights")
    supernet.load_state_dict(final[1])
    supernet.eval()
    ray.kill(queue.actor)
    return json.loads(final[2])
