"""Compile generated model code for this computer and run it: the same C the board runs, checked fast.

Why: the kernels' arithmetic is checked against the integer reference in milliseconds, without an emulator;
the emulator tests then check the firmware around them. The harness reads ``N x input_bytes`` from stdin and
writes ``N x output_bytes`` (or, with a layer count argument, that layer's output) to stdout.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from studio.deploy.codegen.generate import GeneratedModel
from studio.deploy.errors import BuildError, ToolchainMissingError

_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
#include "studio_fw.h"
int main(int argc, char **argv) {
    uint32_t layers = argc > 1 ? (uint32_t)atoi(argv[1]) : studio_model_layer_count;
    uint32_t nout = layers == studio_model_layer_count ? studio_model_output_bytes
                                                       : studio_model_layer_bytes[layers - 1];
    const int8_t *out = layers == studio_model_layer_count
                            ? studio_model_output_buffer()
                            : studio_model_arena() + studio_model_layer_offset[layers - 1];
    while (fread(studio_model_input_buffer(), 1, studio_model_input_bytes, stdin) == studio_model_input_bytes) {
        studio_model_run_layers(layers);
        fwrite(out, 1, nout, stdout);
    }
    return 0;
}
"""


def build_host(generated: GeneratedModel, directory: Path, *, emulate_dsp: bool = False) -> Path:
    """Write the sources into ``directory`` and compile them with the host's ``cc``; returns the executable.

    ``emulate_dsp`` compiles the kernels' DSP paths (SXTB16, SMLAD, SSUB8/SEL) with exact C models of those
    instructions, so the code a Cortex-M4/M7/M33 runs is checked here too; without it, the portable C paths
    (what an M0+ or M3 runs). Raises :class:`ToolchainMissingError` and :class:`BuildError`."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise ToolchainMissingError("no host C compiler (cc) found; install Debian's gcc")
    generated.write(directory)
    (directory / "host_main.c").write_text(_MAIN, encoding="utf-8")
    from studio.deploy.firmware import firmware_dir

    # Only the written folder is on the include path: it must build on its own (every kernel header copied).
    shutil.copyfile(firmware_dir() / "studio_fw.h", directory / "studio_fw.h")
    exe = directory / "model_host"
    cmd = [cc, "-std=c99", "-O2", "-Wall", f"-I{directory}", "-o", str(exe)]
    cmd += ["-DSTUDIO_EMULATE_DSP=1"] if emulate_dsp else []
    cmd += [str(directory / n) for n in ("model.c", "studio_kernels.c", "host_main.c")]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"host build failed: {result.stderr.strip()[:400]}")
    return exe


def run_host(exe: Path, inputs: np.ndarray, layers: int | None = None) -> np.ndarray:
    """Run the host build on int8 ``inputs`` (N, ...); returns the int8 outputs as (N, bytes)."""
    data = np.ascontiguousarray(inputs, dtype=np.int8)
    args = [str(exe)] + ([str(layers)] if layers is not None else [])
    result = subprocess.run(args, input=data.tobytes(), capture_output=True, check=True)
    out = np.frombuffer(result.stdout, dtype=np.int8)
    return out.reshape(len(data), -1)
