"""What the search panel does with a picked candidate: extract, fine-tune and use it, or distil into it.

A mixin of :class:`~studio.ui.nas.nas_panel.NasPanel` (it uses the panel's ``ctx``, ``store``, ``run_id``,
``table``, ``status`` and its ``modelDerived``/``distillRequested`` signals), kept apart so each file reads as
one concern: the panel runs and shows searches, this turns one result into the project's model.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from studio.ui.jobs.signal_emit import emit_signal

#: Training and search workers run at a lower CPU priority, so the window stays responsive on small machines.
BACKGROUND_NICE = 10


def background_job(title: str, fn: Any, **kwargs: Any) -> Any:
    """A pausable process job at :data:`BACKGROUND_NICE`: how training, search and distillation run."""
    from studio.core.jobs import JobSpec

    return JobSpec(title, fn, kwargs, runner="process", pausable=True, nice=BACKGROUND_NICE)


class CandidateActions:
    """Fine-tune-and-use and distil-into for the panel's selected trial (see the module docstring)."""

    ctx: Any
    store: Any
    store_path: Any
    run_id: int | None
    table: Any
    status: Any
    work_dir: Any

    def _supernet_path(self) -> str | None:
        if self.run_id is None:
            return None
        result = self.store.run(self.run_id).result or {}
        return result.get("supernet")

    def finetune(self, trial_index: int, epochs: int) -> Any:
        """Extract, fine-tune (a process job) and make the candidate the model; returns the job."""
        from studio.optimize.nas.request import FinetuneRequest
        from studio.workflows.nas import finetune_job

        trial = self.table.trial_model.trial(trial_index)
        supernet = self._supernet_path()
        if trial is None or supernet is None:
            self.status.setText("This run has no trained supernet yet")
            return None
        request = FinetuneRequest(
            supernet,
            json.dumps(trial["arch"]),
            self.ctx.data_spec(),
            epochs=epochs,
            out_dir=str(self.work_dir / "models"),
            store_path=str(self.store_path),
        )
        spec = background_job(f"Fine-tune trial {trial_index + 1}", finetune_job, request=request)
        self.status.setText(f"Fine-tuning trial {trial_index + 1}…")
        return self.ctx.submit(spec, partial(self._use_finetuned, self.store_path), self._on_finetune_failed)

    def _on_finetune_failed(self, job: Any) -> None:
        self.status.setText(
            f"Fine-tuning {job.state.value}: {job.error}" if job.error else f"Fine-tuning {job.state.value}"
        )

    def _use_finetuned(self, store_path: Any, result: dict[str, Any]) -> None:
        from studio.optimize.nas.recipe_steps import nas_subnet_step

        if store_path != self.store_path:  # another project is open now: its model must not change
            self.status.setText(f"Fine-tuned {result['arch_key']} for a project that is no longer open")
            return
        shape = result["input_shape"]
        step = nas_subnet_step(
            json.dumps(result["arch"]), result["space"], shape[1], result["num_classes"], result["weights_path"]
        )
        text = f"Use searched subnet ({100 * result['accuracy_finetuned']:.1f}%)"
        self.ctx.session.derive(result["loaded"], text, step)
        self.status.setText(
            f"Now the model: {result['arch_key']}, {100 * result['accuracy_supernet']:.1f}% → "
            f"{100 * result['accuracy_finetuned']:.1f}% after fine-tuning (Ctrl+Z undoes)"
        )
        emit_signal(self, "modelDerived", text)

    def _distill(self, trial_index: int) -> None:
        trial = self.table.trial_model.trial(trial_index)
        run = self.store.run(self.run_id) if self.run_id is not None else None
        space = (run.result or {}).get("space") if run is not None else None
        if trial is None or space is None:
            self.status.setText("This run has no search space recorded yet")
            return
        emit_signal(self, "distillRequested", "subnet:" + json.dumps({"space": space, "arch": trial["arch"]}))
