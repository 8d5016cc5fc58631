"""Building the firmware with the board's GCC, and its size report from the ELF.

Why a stamp: the same model on the same board builds to the same firmware, so a rebuild with nothing changed
(the GUI's second Deploy, a test session) reuses the ELF; the stamp hashes every source, flag and the compiler.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from studio.deploy.board import Board
from studio.deploy.errors import BuildError
from studio.deploy.firmware import STACK_BYTES, board_defines, firmware_dir, linker_script, template_sources
from studio.deploy.toolchain import compiler, tool

COMMON_FLAGS = (
    "-std=c99",
    "-O2",
    "-mthumb",
    "-ffreestanding",
    "-nostdlib",
    "-nostartfiles",
    "-ffunction-sections",
    "-fdata-sections",
    "-Wall",
    "-Wl,--gc-sections",
)
FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".data")
SRAM_SECTIONS = (".data", ".bss")


@dataclass(frozen=True)
class FirmwareImage:
    """A built firmware: the ELF and raw binary, and what it occupies (flash = code + constants + .data's
    initial values; SRAM = .data + .bss (arena included) + the reserved stack)."""

    board_id: str
    elf: Path
    bin: Path
    sections: dict[str, int]
    flash_bytes: int
    sram_bytes: int
    cached: bool = False


def section_sizes(board: Board, elf: Path) -> dict[str, int]:
    """Section name -> bytes, read with ``<toolchain>-size -A``."""
    out = subprocess.run([str(tool(board, "size")), "-A", "-d", str(elf)], capture_output=True, text=True)
    if out.returncode != 0:
        raise BuildError(f"cannot read section sizes of {elf.name}: {out.stderr.strip()}")
    sizes: dict[str, int] = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def _build_hash(cc: Path, args: list[str], sources: list[Path], script: str) -> str:
    digest = hashlib.sha256()
    digest.update(str(cc).encode())
    digest.update("\0".join(args).encode())
    digest.update(script.encode())
    for src in sources:
        digest.update(src.name.encode())
        digest.update(src.read_bytes())
    return digest.hexdigest()[:20]


def build_firmware(
    board: Board, generated_dir: Path, out_dir: Path, templates: list[Path] | None = None
) -> FirmwareImage:
    """Compile the templates (default: the board's, :func:`template_sources`) plus every ``.c`` in
    ``generated_dir`` for ``board`` into ``out_dir``.

    Returns the image with its sizes; raises :class:`ToolchainMissingError` when the compiler is missing and
    :class:`BuildError` (with the first compiler error) when it fails.
    """
    cc = compiler(board)
    if not board.core.startswith("cortex-m"):
        raise BuildError(f"the studio's firmware templates are for Cortex-M cores; {board.name} is not supported yet")
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = (template_sources(board) if templates is None else templates) + sorted(generated_dir.glob("*.c"))
    headers = sorted(generated_dir.glob("*.h")) + sorted(firmware_dir().glob("*.h"))
    script = linker_script(board, STACK_BYTES)
    defines = [f"-D{k}={v}" for k, v in board_defines(board).items()]
    args = [*COMMON_FLAGS, *board.cflags, *defines, f"-I{firmware_dir()}", f"-I{generated_dir}"]
    elf, binary, stamp = out_dir / "firmware.elf", out_dir / "firmware.bin", out_dir / "firmware.stamp"
    key = _build_hash(cc, args, sources + headers, script)
    cached = elf.exists() and binary.exists() and stamp.exists() and stamp.read_text().strip() == key
    if not cached:
        (out_dir / "link.ld").write_text(script, encoding="utf-8")
        cmd = [str(cc), *args, "-T", str(out_dir / "link.ld"), *map(str, sources), "-lgcc", "-o", str(elf)]
        (out_dir / "build.cmd").write_text(" ".join(cmd) + "\n", encoding="utf-8")
        result = subprocess.run(cmd, capture_output=True, text=True)
        (out_dir / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        if result.returncode != 0:
            lines = result.stderr.splitlines()
            first = next((ln for ln in lines if "error:" in ln or "undefined reference" in ln), result.stderr[:300])
            raise BuildError(f"firmware build for {board.id} failed: {first.strip()} (see {out_dir / 'build.log'})")
        objcopy = subprocess.run(
            [str(tool(board, "objcopy")), "-O", "binary", str(elf), str(binary)], capture_output=True, text=True
        )
        if objcopy.returncode != 0:
            raise BuildError(f"objcopy failed: {objcopy.stderr.strip()}")
        stamp.write_text(key, encoding="utf-8")
    sizes = section_sizes(board, elf)
    flash = sum(sizes.get(s, 0) for s in FLASH_SECTIONS)
    sram = sum(sizes.get(s, 0) for s in SRAM_SECTIONS) + STACK_BYTES
    return FirmwareImage(board.id, elf, binary, sizes, flash, sram, cached=cached)
