"""The Prune stage's jobs: scan, allocate, search, apply, fine-tune and the before/after comparison.

A mixin of :class:`~studio.ui.prune.panel.PrunePanel` (it uses the panel's ``ctx``, ``decisions``,
``toolbar`` and views), kept apart so the panel module stays about layout and wiring.
"""

from __future__ import annotations

from typing import Any

from studio.core.jobs import JobSpec


class PruneJobActions:
    """Starts jobs and turns their results into decisions (commands) or model versions (``derive``)."""

    ctx: Any
    decisions: Any
    toolbar: Any
    _finetune_job: int | None
    _reference: Any
    _channel_job_for: Any
    _scan_job: Any

    # -------------------------------------------------------------------------------------------- scan
    def start_scan(self) -> Any:
        """Submit the sensitivity scan of the current version (a process job) at the toolbar's grid; while
        one runs, the same button cancels it (then ``None`` is returned)."""
        from studio.workflows.allocate import PERTURBATION_FOR_METHOD
        from studio.workflows.sensitivity import sensitivity_job

        if self._scan_job is not None:
            self.ctx.services.jobs.cancel(self._scan_job.id)
            self.ctx.status("Cancelling the scan…")
            return None
        if self.ctx.session.opened is None:
            return None
        perturbation = PERTURBATION_FOR_METHOD.get(self.decisions.method, "sparsity")
        spec = JobSpec(
            "Sensitivity scan",
            sensitivity_job,
            {
                "target": self.ctx.session.handle(),
                "data_spec": self.ctx.data_spec(),
                "perturbation": perturbation,
                "levels": self.toolbar.levels(),
            },
            runner="process",
        )
        self.ctx.status("Scanning every layer at every sparsity…")
        self.toolbar.set_scanning(True)
        job = self.ctx.submit(spec, self.on_scan_done, self._on_scan_failed)
        if not job.state.is_finished:
            self._scan_job = job
        return job

    def _on_scan_failed(self, job: Any) -> None:
        self._scan_job = None
        self.toolbar.set_scanning(False)
        if job.state.name == "CANCELLED":
            self.ctx.status("Scan cancelled; the curves shown are unchanged")
        else:
            self.ctx.status(f"Scan failed: {job.error}", 8000)
            self.ctx.show_failure(job)

    def on_scan_done(self, result: dict[str, Any]) -> None:
        """Show a scan result (a dict from :func:`~studio.workflows.sensitivity.scan_loaded`)."""
        from studio.analysis.sensitivity.result import ScanResult
        from studio.optimize.prune.predict import model_costs

        self._scan_job = None
        self.toolbar.set_scanning(False)
        scan = ScanResult.from_dict(result)
        opened = self.ctx.session.opened
        costs = model_costs(opened.profile, opened.model.module, scan.names) if opened is not None else None
        self.decisions.set_scan(scan, costs)
        self.ctx.status(f"Scan done: {len(scan.layers)} layers, {scan.method} method, {scan.seconds:.1f} s")

    def ensure_channel_costs(self) -> Any:
        """For the channel method, find the model's channel dependencies once per model (a thread job), so
        the prediction counts what removed channels take along (batch norms, the next layers' inputs)."""
        from studio.workflows.allocate import channel_costs_job

        costs = self.decisions.costs
        opened = self.ctx.session.opened
        if self.decisions.method != "channel" or costs is None or costs.channels is not None or opened is None:
            return None
        if self._channel_job_for is costs:
            return None  # asked already (or the model has no channel dependencies to follow)
        self._channel_job_for = costs

        def done(result: Any) -> None:
            if self.decisions.costs is costs:  # still the same model and costs
                self._channel_job_for = result
                self.decisions.set_costs(result)

        spec = JobSpec("Channel dependencies", channel_costs_job, {"model": opened.model, "costs": costs})
        return self.ctx.submit(spec, done)

    # -------------------------------------------------------------------------------------------- allocate
    def start_allocate(self) -> Any:
        """Allocate per-layer sparsities for the toolbar's target from the scan (a thread job)."""
        from studio.workflows.allocate import allocate_job

        if self.decisions.scan is None or self.decisions.costs is None:
            self.ctx.status("Run a scan first: allocation reads the curves")
            return None
        kind, value = self.toolbar.target_value()
        spec = JobSpec(
            "Allocate sparsities",
            allocate_job,
            {
                "scan": self.decisions.scan.to_dict(),
                "costs": self.decisions.costs,
                "kind": kind,
                "value": value,
                "method": self.decisions.method,
            },
        )
        text = f"Allocate for {self.toolbar.target.currentText()} {self.toolbar.value.text()}"
        return self.ctx.submit(spec, lambda sparsities: self.decisions.set_all(sparsities, text))

    def start_search(self) -> Any:
        """NetAdapt-style search for the toolbar's overall sparsity (a process job)."""
        from studio.workflows.allocate import search_job

        if self.ctx.session.opened is None:
            return None
        kind, value = self.toolbar.target_value()
        if kind != "sparsity":
            self.ctx.status("The search targets an overall sparsity: choose that target")
            return None
        spec = JobSpec(
            "NetAdapt-style search",
            search_job,
            {"target": self.ctx.session.handle(), "data_spec": self.ctx.data_spec(), "sparsity": value},
            runner="process",
        )
        return self.ctx.submit(
            spec, lambda result: self.decisions.set_all(result["sparsities"], f"Search to {value:.0%}")
        )

    # -------------------------------------------------------------------------------------------- apply
    def start_apply(self) -> Any:
        """Prune the current version with the decisions (a process job); the result becomes a new version."""
        from studio.workflows.prune import prune_job

        if self.ctx.session.opened is None:
            return None
        params = self.decisions.step_params()
        if "sparsities" in params and not params["sparsities"]:
            self.ctx.status("Every layer is at 0 %: set sparsities or allocate first")
            return None
        before = self.ctx.session.handle()
        if self._reference is None:
            self._reference = before
        spec = JobSpec("Prune", prune_job, {"target": before, "params": params}, runner="process")
        return self.ctx.submit(spec, self.on_derived)

    def start_finetune(self) -> Any:
        """Fine-tune the current version with its zeros held (a process job with live curves)."""
        from studio.workflows.prune import finetune_job

        if self.ctx.session.opened is None:
            return None
        if self._reference is None:
            self._reference = self.ctx.session.handle()
        self.training.clear()  # type: ignore[attr-defined]
        self.results.setCurrentWidget(self.training)  # type: ignore[attr-defined]
        params = {"epochs": int(self.toolbar.epochs.value())}
        spec = JobSpec(
            "Fine-tune",
            finetune_job,
            {"target": self.ctx.session.handle(), "data_spec": self.ctx.data_spec(), "params": params},
            runner="process",
        )
        job = self.ctx.submit(spec, self.on_derived)
        self._finetune_job = getattr(job, "id", None)
        return job

    def on_derived(self, result: dict[str, Any]) -> None:
        """A prune or fine-tune job finished: make its model the current version, then compare."""
        from studio.recipe.steps import describe_step
        from studio.workflows.model_handle import loaded_from_module
        from studio.workflows.prune import module_from_bytes, node_marks

        opened = self.ctx.session.opened
        if opened is None:
            return
        name = opened.model.path.stem if opened.model.path else opened.model.graph.name
        module = module_from_bytes(result["module"])
        model = loaded_from_module(module, result["input_shape"], name=name, path=opened.model.path)
        # the worker saw the module alone: layers an earlier step pruned keep their mark
        earlier = opened.model.metadata.get("pruned_layers", {})
        model.metadata["pruned_layers"] = {**earlier, **result.get("pruned_layers", {})}
        model.metadata["node_marks"] = node_marks(model.graph, model.metadata["pruned_layers"])
        step = result["step"]
        self.ctx.session.derive(model, describe_step(step), step)
        self.start_compare()

    def start_compare(self) -> Any:
        """Compare the version before the first applied step with the current one (a process job)."""
        from studio.workflows.prune import compare_job

        if self._reference is None or self.ctx.session.opened is None:
            return None
        spec = JobSpec(
            "Compare before / after",
            compare_job,
            {"before": self._reference, "after": self.ctx.session.handle(), "data_spec": self.ctx.data_spec()},
            runner="process",
        )
        return self.ctx.submit(spec, self.compare.set_result)  # type: ignore[attr-defined]

    def _on_job_log(self, job_id: int, line: str) -> None:
        from studio.train.finetune import parse_metrics_line

        if job_id != self._finetune_job:
            return
        row = parse_metrics_line(line)
        if row is not None:
            self.training.add(row)  # type: ignore[attr-defined]
