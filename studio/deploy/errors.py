"""Deploy failures a user can act on, each with its cause and its fix in one line."""

from __future__ import annotations

import errno

from studio.core.errors import StudioError


class DeployError(StudioError):
    """Base of every deploy failure."""


class ToolchainMissingError(DeployError):
    """The board's compiler (or QEMU, or a flashing tool) is not installed."""


class BuildError(DeployError):
    """The generated firmware did not compile or link (a studio bug or a board description error)."""


class FitError(DeployError):
    """The model does not fit in the board's flash or SRAM."""


class UnsupportedOpError(DeployError):
    """The model has an operator the C code generator has no kernel for."""


class BoardNotFoundError(DeployError):
    """No board of the chosen kind is connected."""


class WrongBoardError(DeployError):
    """The connected device is not the board that was chosen."""


class FlashError(DeployError):
    """Flashing failed (tool error, or the board went away mid-flash)."""


class SerialPortError(DeployError):
    """The serial port could not be opened."""

    @classmethod
    def from_exception(cls, path: str, exc: BaseException) -> SerialPortError:
        """Turn pyserial's/OSError's failure into cause + fix."""
        code = getattr(exc, "errno", None)
        text = str(exc)
        if code == errno.EACCES or "Permission denied" in text:
            return cls(
                f"permission denied on {path}: add yourself to the 'dialout' group "
                "(sudo usermod -aG dialout $USER, then log in again) or install the board's udev rule"
            )
        if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "No such file" in text:
            return cls(f"no serial port {path}: is the board plugged in? (tinyml-studio boards lists what is seen)")
        if code == errno.EBUSY or "busy" in text.lower():
            return cls(f"{path} is busy: close the serial monitor or other program that holds it")
        return cls(f"cannot open {path}: {' '.join(text.split())}")
