"""A stand-in for a USB board, made of real parts: a mass-storage "drive" (a folder) that takes a firmware
binary, and QEMU's Cortex-M4 that boots whatever was copied there. Its UART reaches the host through a
serial port that outlives the target's resets, as an ST-Link or DAPLink virtual COM port does: our own
pseudo-terminal (``port``, a ``ttyACM``-like path) relayed to the pty of whichever QEMU runs the current image.

The studio deploys to it exactly as to a real board: the real-board firmware (no semihosting; it resets itself
after EXIT), the mass-storage flasher, the port opened by path or found by USB id, verification (retried while
the "board" reboots), validation and profiling over pyserial. Like a real drive it takes one image per plug-in:
a later copy is ignored until :meth:`replug`, which is how a test makes "the flash did not take" happen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import select
import shutil
import subprocess
import threading
import time
import tty
from pathlib import Path
from types import SimpleNamespace

from studio.deploy.board import Board
from studio.deploy.board_registry import get_board

DRIVE_LABEL = "SIMBOARD"
SIM_USB_ID = (0x1209, 0x5D1A)  # the pid.codes test range: never a real board's id


def simulated_board(board_id: str = "sim-m4") -> Board:
    """qemu-m4's description as a real (not emulated) board flashed through its mass-storage drive."""
    base = get_board("qemu-m4")
    return dataclasses.replace(
        base,
        id=board_id,
        name=f"Simulated USB board {board_id} (QEMU behind a mass-storage drive)",
        emulated=None,
        flashers=("mass_storage",),
        uf2_board_id=DRIVE_LABEL,
        usb_ids=(SIM_USB_ID,),
    )


class SimulatedUsbBoard:
    """Watches ``root / DRIVE_LABEL`` for a ``.bin`` and boots it in QEMU; ``port`` relays to its UART."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.drive = root / DRIVE_LABEL
        self.drive.mkdir(parents=True, exist_ok=True)
        self._master, self._slave = os.openpty()  # the slave stays open: the port exists from plug-in on
        tty.setraw(self._slave)  # no echo or line editing before pyserial sets its own mode
        self.port = str(root / "ttyACM0")
        Path(self.port).symlink_to(os.ttyname(self._slave))
        self.process: subprocess.Popen[str] | None = None
        self.boots = 0
        self._target: int | None = None  # fd of the running QEMU's pty
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._accepting = True
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._watch, self._relay)]
        for t in self._threads:
            t.start()

    def serial_ports(self) -> list[SimpleNamespace]:
        """What pyserial's port list shows for this board (its USB id, its port)."""
        vid, pid = SIM_USB_ID
        return [SimpleNamespace(device=self.port, vid=vid, pid=pid, description="simulated USB board")]

    def replug(self) -> None:
        """Accept the next image (as after a reset into the bootloader)."""
        self._accepting = True

    def _watch(self) -> None:
        while not self._stop.is_set():
            images = sorted(self.drive.glob("*.bin"))
            if images:
                time.sleep(0.1)  # let the copy finish, as a drive's firmware does
                if self._accepting:
                    self._accepting = False
                    self._boot(images[0])
                for image in images:
                    image.unlink()
            time.sleep(0.05)

    def _boot(self, image: Path) -> None:
        kept = self.root / "running.bin"
        shutil.copyfile(image, kept)
        self._kill()
        qemu = shutil.which("qemu-system-arm") or "qemu-system-arm"
        self.process = subprocess.Popen(
            [qemu, "-machine", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "pty",
             "-icount", "shift=0", "-kernel", str(kept)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = re.search(r"redirected to (/dev/pts/\d+)", line)
            if match:
                fd = os.open(match.group(1), os.O_RDWR | os.O_NOCTTY)
                tty.setraw(fd)
                with self._lock:
                    self._target = fd
                self.boots += 1
                break
        # Keep reading QEMU's output so that it never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def _relay(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                target = self._target
            fds = [self._master] + ([target] if target is not None else [])
            ready, _, _ = select.select(fds, [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue  # the target went away (a reboot); its bytes are lost, as on a real line
                destination = target if fd == self._master else self._master
                if data and destination is not None:
                    with contextlib.suppress(OSError):
                        os.write(destination, data)

    def _kill(self) -> None:
        with self._lock:
            if self._target is not None:
                os.close(self._target)
                self._target = None
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2)
        self._kill()
        os.close(self._master)
        os.close(self._slave)

    def __enter__(self) -> SimulatedUsbBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
