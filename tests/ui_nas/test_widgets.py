"""The search form and the candidate card on their own: presets, limits, round trip of a run's settings."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


def test_board_preset_fills_sram_and_flash_and_form_round_trips(qtbot: Any) -> None:
    from studio.deploy.board_registry import boards
    from studio.optimize.nas.boards import search_board
    from studio.optimize.nas.request import NasRequest
    from studio.ui.nas.constraint_form import ConstraintForm

    form = ConstraintForm()
    qtbot.addWidget(form)
    # Every registered board is a preset (real boards first); the limits are what deploy's fit check leaves.
    ids = [form.board.itemData(i) for i in range(1, form.board.count())]
    assert sorted(ids) == sorted(b.id for b in boards()) and ids[0] == "nucleo-f746zg"
    form.board.setCurrentIndex(form.board.findData("nano33ble"))
    limits = form.constraints()
    nano = search_board("nano33ble")
    assert nano.sram_budget_bytes - 103 <= limits.max_sram_bytes <= nano.sram_budget_bytes  # 0.1 KB steps, down
    assert nano.flash_budget_bytes - 1024 < limits.max_flash_bytes <= nano.flash_budget_bytes
    assert nano.fit(limits.max_flash_bytes, limits.max_sram_bytes).fits
    assert limits.max_macs is None
    form.macs.check.setChecked(True)
    form.macs.spin.setValue(1.5)
    assert form.constraints().max_macs == 1_500_000
    form.epochs.setText("4,1")
    with pytest.raises(Exception, match="four whole numbers"):
        form.supernet_epochs()

    stored = NasRequest(trials=7, population=3, seed=9, constraints=form.constraints()).to_params()
    other = ConstraintForm()
    qtbot.addWidget(other)
    other.show_request(stored)
    assert other.constraints() == form.constraints()
    assert (other.trials.value(), other.population.value(), other.seed.value()) == (7, 3, 9)


def test_candidate_card_lists_the_boards_it_fits(qtbot: Any) -> None:
    from studio.ui.nas.candidate_box import CandidateBox, fitting_boards

    trial = {
        "index": 2,
        "accuracy": 0.9,
        "macs": 500_000,
        "params": 40_000,
        "flash_bytes": 600 * 1024,
        "peak_sram_bytes": 200 * 1024,
        "latency_ms": None,
        "key": "k",
        "arch": {"resolution": 16, "width": 1.0, "kernels": [[3]], "expands": [[4]]},
    }
    # 200 KB of arena and 600 KB of constants: the 320 KB F746 and the 256 KB Nano 33 BLE hold it, the Picos
    # (136 / 256 KB of SRAM-loaded code) do not; the 4 MiB QEMU boards only when asked for.
    fits = fitting_boards(trial)
    assert {"STM32 Nucleo-F746ZG", "Nano 33 BLE Sense"} <= set(fits) and not {"Pico", "Pico 2"} & set(fits)
    assert "QEMU MPS2 AN386" not in fits and "QEMU MPS2 AN386" in fitting_boards(trial, emulated=True)
    box = CandidateBox()
    qtbot.addWidget(box)
    assert not box.use_button.isEnabled()
    box.show_trial(trial)
    assert "Trial 3" in box.text.text() and "k3/e4" in box.text.text()
    with qtbot.waitSignal(box.finetuneRequested) as blocker:
        box.use_button.click()
    assert blocker.args == [2, 5]


def test_training_search_and_distillation_jobs_run_pausable_in_niced_worker_processes() -> None:
    from studio.ui.nas.candidate_actions import BACKGROUND_NICE, background_job

    spec = background_job("Distillation", print, request="r", resume=True)
    assert (spec.runner, spec.pausable, spec.nice) == ("process", True, BACKGROUND_NICE) and BACKGROUND_NICE > 0
    assert spec.kwargs == {"request": "r", "resume": True} and spec.title == "Distillation"
