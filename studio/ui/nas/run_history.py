"""The trial database and its *Run* history box, shared by the Search and Distillation panels.

Why one place: both panels show the runs of one kind from the project's trial database, follow the window to
another project's database (a job still running for the old one goes on writing to its own), and reopen a
run picked from the box. A panel mixes :class:`RunHistory` in, creates ``self.runs`` (a QComboBox), and says
what a run is called and what to clear when the database changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class RunHistory:
    """``store_path``, ``work_dir`` and ``store`` (an open TrialStore), and the ``runs`` box kept in step.

    Subclasses set :attr:`run_kind` and implement :meth:`show_run` and :meth:`_clear_shown`; they may
    override :meth:`_run_label`.
    """

    run_kind = ""
    runs: Any  # the QComboBox the panel builds
    run_id: int | None

    def _open_store(self, ctx: Any, store_path: Any = None) -> None:
        """Open ``store_path``, or the project's own database when None."""
        from studio.optimize.trial_store import TrialStore, store_path_for, work_dir_for

        self.store_path = Path(store_path) if store_path else store_path_for(ctx.project)
        self.work_dir = work_dir_for(self.store_path)
        self.store = TrialStore(self.store_path)

    def set_store(self, store_path: Any) -> None:
        """Show another trial database (the project changed); a job still running for the old one goes on in
        its worker, writing to its own, and shows again when its project is back."""
        from studio.optimize.trial_store import TrialStore, work_dir_for

        store_path = Path(store_path)
        if store_path == self.store_path:
            return
        self.store.close()
        self.store_path, self.work_dir = store_path, work_dir_for(store_path)
        self.store = TrialStore(store_path)
        self.run_id = None
        self._clear_shown()
        self._reload_runs(select_latest=True)
        self._update_buttons()

    def _reload_runs(self, select_latest: bool = False) -> None:
        runs = self.store.runs(self.run_kind)
        self.runs.clear()
        for run in reversed(runs):
            self.runs.addItem(self._run_label(run), run.id)
        if select_latest and runs:
            self.show_run(runs[-1].id)
        elif self.run_id is not None:
            self.runs.setCurrentIndex(max(0, self.runs.findData(self.run_id)))

    def _run_label(self, run: Any) -> str:
        return f"#{run.id} · {run.state} · {run.title}"

    def _on_run_chosen(self, _index: int) -> None:
        run_id = self.runs.currentData()
        if run_id is not None:
            self.show_run(int(run_id))

    # --- what each panel provides -------------------------------------------------------------------------
    def show_run(self, run_id: int) -> None:
        raise NotImplementedError

    def _clear_shown(self) -> None:
        """Forget what the panel shows of the previous database's run."""
        raise NotImplementedError

    def _update_buttons(self) -> None:
        raise NotImplementedError
