"""A cycle estimate for Cortex-M4 code run on QEMU: the exact executed instruction stream, priced with the
core's published instruction timings.

Why: ``-icount`` counts instructions, and instructions are not cycles. An SMLAD (two MACs) costs what an ADD
costs, a load costs two cycles unless it follows another load or store, a taken branch refills the pipeline.
Kernels that trade branches and loads for SIMD arithmetic look better in cycles than in instructions, and the
reverse, so the benchmark reports both.

How: the model is built into a trace firmware (``resources/firmware/trace_main.c``: one inference on a baked-in
input, layer by layer between marker calls, no UART), QEMU runs it one instruction per translation block
with ``-d exec,nochain`` so every executed instruction's address is logged, and each address is priced from
the ELF's disassembly with :data:`CORTEX_M4` (the Cortex-M4 Technical Reference Manual's timing table:
one cycle for data processing, multiplies including the 64-bit and dual 16-bit MACs, and SIMD; loads and
stores two, one when pipelined behind another; LDM/STM/PUSH/POP one plus one per register; taken branches
and writes to the PC one plus a pipeline refill; divides 2 to 12).

What it leaves out (so it is an estimate, not a measurement): flash wait states and caches (zero-wait memory
is assumed, as for code in SRAM/TCM or an ART-accelerated flash hit), the refill's 1-3 cycle spread (2 is
used), IT folding, load-use and bus interlocks.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.deploy.board import Board
from studio.deploy.errors import DeployError


@dataclass(frozen=True)
class CoreTiming:
    """Cycle costs of one core: ``refill`` (pipeline refill after a taken branch or a PC write), single
    load/store (``ldst``; ``ldst_pipelined`` right after another one), ``divide``, everything else 1."""

    name: str
    refill: int = 2
    ldst: int = 2
    ldst_pipelined: int = 1
    divide: int = 7


CORTEX_M4 = CoreTiming("cortex-m4")

_CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")
_BRANCHES = {"b", "bl", "blx", "bx", "cbz", "cbnz"} | {f"b{c}" for c in _CONDITIONS}
_LINE = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{4}\s)+)\s*(\S+)\s*(.*)$")


@dataclass(frozen=True)
class Instruction:
    """One disassembled instruction: its size in bytes, mnemonic (no ``.n``/``.w``), operands."""

    size: int
    mnemonic: str
    operands: str


class CycleModelError(DeployError):
    """The trace firmware could not be built or traced."""


def disassemble(elf: Path, objdump: Path) -> dict[int, Instruction]:
    """Address -> instruction of every instruction in the ELF's code."""
    out = subprocess.run([str(objdump), "-d", str(elf)], capture_output=True, text=True)
    if out.returncode != 0:
        raise CycleModelError(f"objdump failed: {out.stderr.strip()[:200]}")
    table: dict[int, Instruction] = {}
    for line in out.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            size = 2 * len(m.group(2).split())
            mnemonic = m.group(3).split(".")[0]
            table[int(m.group(1), 16)] = Instruction(size, mnemonic, m.group(4))
    return table


def _is_ldst_single(mn: str) -> bool:
    return (mn.startswith("ldr") or mn.startswith("str")) and not mn.startswith(("ldrd", "strd", "ldrex", "strex"))


def _registers(operands: str) -> int:
    inside = operands[operands.find("{") + 1 : operands.find("}")]
    count = 0
    for part in inside.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(p.strip().lstrip("r")) for p in part.split("-"))
            count += hi - lo + 1
        elif part:
            count += 1
    return count


def instruction_cycles(ins: Instruction, taken: bool, after_ldst: bool, core: CoreTiming = CORTEX_M4) -> int:
    """Cycles of one executed instruction (``taken``: the next executed address is not the following one)."""
    mn, ops = ins.mnemonic, ins.operands
    writes_pc = taken and mn not in _BRANCHES  # pop {.., pc}, ldr pc, mov pc
    if mn in _BRANCHES or (mn[:-2] in _BRANCHES and mn[-2:] in _CONDITIONS):
        return 1 + (core.refill if taken else 0)
    if mn in ("ldm", "ldmia", "ldmdb", "stm", "stmia", "stmdb", "push", "pop"):
        return 1 + _registers(ops) + (core.refill if writes_pc else 0)
    if mn in ("ldrd", "strd"):
        return 3
    if _is_ldst_single(mn):
        return (core.ldst_pipelined if after_ldst else core.ldst) + (core.refill if writes_pc else 0)
    if mn in ("sdiv", "udiv"):
        return core.divide
    return 1 + (core.refill if writes_pc else 0)


@dataclass
class TraceCount:
    """Executed instructions and estimated cycles, per layer (between trace marks) and in total;
    ``unknown``: executed addresses the disassembly lacks (priced 1 cycle; should be 0)."""

    instructions: list[int]
    cycles: list[int]
    unknown: int = 0

    def as_dict(self, names: list[str]) -> dict[str, Any]:
        return {
            "instructions": sum(self.instructions),
            "cycles": sum(self.cycles),
            "unknown_addresses": self.unknown,
            "layers": [
                {"name": n, "instructions": i, "cycles": c}
                for n, i, c in zip(names, self.instructions, self.cycles, strict=False)
            ],
        }


def price_trace(pcs: Any, table: dict[int, Instruction], mark: int, layers: int, core: CoreTiming) -> TraceCount:
    """Walk the executed addresses: every call of the mark function starts the next layer; each instruction
    is priced with :func:`instruction_cycles` (taken = the next address is not this one's successor)."""
    instructions, cycles = [0] * layers, [0] * layers
    layer, prev, prev_ins, after_ldst, unknown = -1, None, None, False, 0
    for pc in pcs:
        if prev is not None and 0 <= layer < layers:
            instructions[layer] += 1
            if prev_ins is None:
                unknown += 1
                cycles[layer] += 1
            else:
                cycles[layer] += instruction_cycles(prev_ins, pc != prev + prev_ins.size, after_ldst, core)
                after_ldst = _is_ldst_single(prev_ins.mnemonic)
        if pc == mark:
            layer += 1
            after_ldst = False
        prev, prev_ins = pc, table.get(pc)
    return TraceCount(instructions, cycles, unknown)


def _trace_input_c(x: np.ndarray) -> str:
    from studio.deploy.codegen.c_arrays import c_array

    text = c_array("studio_trace_input", np.ascontiguousarray(x, dtype=np.int8).ravel())
    return "#include <stdint.h>\n" + text.replace("static const", "const", 1)


def estimate_cycles(model: Any, board: Board, x: np.ndarray, out_dir: Path, kernels: str = "fast",
                    core: CoreTiming = CORTEX_M4, timeout_s: float = 300.0) -> dict[str, Any]:  # fmt: skip
    """Build the trace firmware of ``model`` for the emulated ``board``, run one inference on ``x`` (one
    input, int8) under QEMU and price every executed instruction. Returns ``instructions``, ``cycles`` and
    per-layer rows. Raises :class:`CycleModelError` (and the build's errors)."""
    from studio.deploy.build import build_firmware
    from studio.deploy.codegen.generate import generate_model
    from studio.deploy.codegen.kernel_sets import CodegenConfig
    from studio.deploy.firmware import firmware_dir
    from studio.deploy.toolchain import qemu_binary, tool

    if board.emulated is None:
        raise CycleModelError(f"the cycle model runs on QEMU boards; {board.name} is real hardware: measure it")
    src = generate_model(model, board, config=CodegenConfig(kernels)).write(out_dir / "src")
    (src / "trace_input.c").write_text(_trace_input_c(x), encoding="utf-8")
    root = firmware_dir()
    templates = [root / "startup.c", root / "trace_main.c", root / "platform_semihost.c"]
    image = build_firmware(board, src, out_dir / "build", templates=templates)
    table = disassemble(image.elf, tool(board, "objdump"))
    symbols = subprocess.run([str(tool(board, "nm")), str(image.elf)], capture_output=True, text=True).stdout
    mark = next(
        (int(line.split()[0], 16) for line in symbols.splitlines() if line.endswith(" studio_trace_mark")), None
    )
    if mark is None:
        raise CycleModelError("the trace firmware has no studio_trace_mark symbol")
    cmd = [str(qemu_binary()), "-machine", board.emulated.machine, "-display", "none", "-monitor", "none",
           "-serial", "null", "-semihosting-config", "enable=on,target=native", "-singlestep",
           "-d", "exec,nochain", "-kernel", str(image.elf)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1 << 20)
    assert proc.stderr is not None

    def addresses() -> Any:
        for line in proc.stderr:  # "Trace 0: 0x7f.. [00800408/00000048/00000110/ff000201] Reset_Handler"
            if line.startswith("Trace"):
                yield int(line.split("/", 2)[1], 16) & ~1

    try:
        counted = price_trace(addresses(), table, mark & ~1, len(model.ops), core)
        status = proc.wait(timeout_s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if status != 0:
        raise CycleModelError(f"the trace firmware exited with status {status}")
    result = counted.as_dict([op.name for op in model.ops])
    result.update({"core_model": core.name, "kernels": kernels})
    return result
