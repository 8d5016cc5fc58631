"""The cycle estimate: the Cortex-M4 timing table on single instructions, the pricing of a small trace, and
on QEMU a trace whose instruction count equals the -icount measurement of the same layers."""

from __future__ import annotations

import pytest

from studio.deploy.cycles import CORTEX_M4, Instruction, instruction_cycles, price_trace
from tests.deploy.conftest import needs_arm, needs_qemu


@pytest.mark.parametrize(
    ("mnemonic", "operands", "taken", "after_ldst", "cycles"),
    [
        ("smlad", "r4, r9, sl, r4", False, False, 1),  # two MACs, one cycle
        ("smlal", "r2, r3, r4, r1", False, False, 1),
        ("ldr", "r3, [r6, #4]!", False, False, 2),
        ("ldr", "r7, [r8, #4]!", False, True, 1),  # pipelined behind a load
        ("ldrd", "r2, r3, [r8]", False, False, 3),
        ("push", "{r4, r5, r6, r7, r8, r9, sl, fp, lr}", False, False, 10),
        ("pop", "{r4, r5, pc}", True, False, 1 + 3 + 2),
        ("bne", "d22 <conv2_run+0xe2>", True, False, 3),
        ("bne", "d22 <conv2_run+0xe2>", False, False, 1),
        ("sdiv", "r0, r1, r2", False, False, CORTEX_M4.divide),
    ],
)
def test_instruction_costs_follow_the_cortex_m4_timing_table(mnemonic, operands, taken, after_ldst, cycles) -> None:
    assert instruction_cycles(Instruction(4, mnemonic, operands), taken, after_ldst) == cycles


def test_a_trace_is_split_at_the_marks_and_priced() -> None:
    table = {
        0x100: Instruction(2, "ldr", "r0, [r1]"),  # the mark function (one instruction, returns via bx)
        0x102: Instruction(2, "bx", "lr"),
        0x200: Instruction(2, "ldr", "r2, [r3]"),
        0x202: Instruction(2, "ldr", "r4, [r3, #4]"),
        0x204: Instruction(4, "smlad", "r5, r2, r4, r5"),
        0x208: Instruction(2, "bne", "200"),
        0x20A: Instruction(2, "bl", "100"),
    }
    loop = [0x200, 0x202, 0x204, 0x208]
    pcs = [0x100, 0x102, *loop, *loop, 0x20A, 0x100, 0x102, 0x20A, 0x100]
    counted = price_trace(pcs, table, 0x100, 2, CORTEX_M4)
    # layer 0: mark (ldr 2, bx taken 3), loop twice (2 + 1 + 1 + bne taken 3, then not taken 1), bl taken 3
    assert counted.instructions == [2 + 8 + 1, 2 + 1]
    assert counted.cycles == [2 + 3 + (2 + 1 + 1 + 3) + (2 + 1 + 1 + 1) + 3, 2 + 3 + 3]
    assert counted.unknown == 0


@pytest.mark.slow
@needs_arm
@needs_qemu
def test_traced_instructions_equal_the_icount_measurement(all_ops_int8, tmp_path) -> None:
    from studio.deploy.board_registry import get_board
    from studio.deploy.cycles import estimate_cycles
    from studio.deploy.pipeline import DeployRequest, deploy_int8

    model, x = all_ops_int8
    board = get_board("qemu-m4")
    traced = estimate_cycles(model, board, x[0], tmp_path / "trace")
    measured = deploy_int8(model, DeployRequest(board, tmp_path / "device", validate=1), x, None)
    assert traced["unknown_addresses"] == 0 and traced["kernels"] == "fast"
    for row, timed in zip(traced["layers"], measured["layer_timing"], strict=True):
        assert row["name"] == timed["name"]
        # -icount reads a 25 MHz timer (40 instructions a tick) around each layer; the trace counts exactly.
        assert abs(row["instructions"] - timed["instructions"]) <= 2 * 40 + 16, row["name"]
        assert row["cycles"] >= row["instructions"]
