"""The search form and the candidate card on their own: presets, limits, round trip of a run's settings."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


def test_board_preset_fills_sram_and_flash_and_form_round_trips(qtbot: Any) -> None:
    from studio.optimize.nas.request import NasRequest
    from studio.ui.nas.constraint_form import ConstraintForm

    form = ConstraintForm()
    qtbot.addWidget(form)
    form.board.setCurrentIndex(form.board.findData("nano33ble"))
    limits = form.constraints()
    assert limits.max_sram_bytes == 256 * 1024 and limits.max_flash_bytes == 1024 * 1024
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
    assert fitting_boards(trial) == ["Nano 33 BLE", "F746", "Pico"]  # not the 128 KB / 512 KB F411
    box = CandidateBox()
    qtbot.addWidget(box)
    assert not box.use_button.isEnabled()
    box.show_trial(trial)
    assert "Trial 3" in box.text.text() and "k3/e4" in box.text.text()
    with qtbot.waitSignal(box.finetuneRequested) as blocker:
        box.use_button.click()
    assert blocker.args == [2, 5]
