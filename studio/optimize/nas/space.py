"""The search space: which resolutions, widths, kernel sizes, expand ratios and depths a subnet may use.

Why a file: a user searching for their own board and data set changes the space (fewer stages for a tiny MCU,
larger resolutions for a camera) without touching code. A space is a TOML file::

    name = "digits-mcu"
    resolutions = [16, 24, 32]      # input side in pixels (square images)
    width_mults = [0.5, 0.75, 1.0]  # scales every stage's channels
    kernel_sizes = [3, 5, 7]        # depthwise kernel of an inverted residual block
    expand_ratios = [3, 4, 6]       # hidden channels = input channels x ratio
    stem_channels = 16
    stem_stride = 2
    channel_divisor = 8             # channel counts are rounded to multiples of this

    [[stages]]
    channels = 16
    depths = [1, 2]                 # how many blocks this stage may have
    stride = 2

:data:`DEFAULT_SPACE_TOML` is the built-in space, sized so a supernet trains on digits in about a minute;
:data:`TINY_SPACE_TOML` one whose supernet trains in a second or two (tests and benchmarks).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError


class SearchSpaceError(StudioError):
    """A search-space file is malformed or asks for something the supernet cannot build."""


DEFAULT_SPACE_TOML = """\
# The built-in search space: MCUNet-style inverted residual blocks for small images (digits upscaled).
name = "digits-mcu"
resolutions = [16, 24, 32]
width_mults = [0.5, 0.75, 1.0]
kernel_sizes = [3, 5, 7]
expand_ratios = [3, 4, 6]
stem_channels = 16
stem_stride = 2
channel_divisor = 8

[[stages]]
channels = 16
depths = [1, 2]
stride = 2

[[stages]]
channels = 24
depths = [1, 2, 3]
stride = 2

[[stages]]
channels = 40
depths = [1, 2, 3]
stride = 2
"""

TINY_SPACE_TOML = """\
# A smoke-test space: two small stages at 8 and 12 pixels; a supernet trains in a second or two on 300 digits.
name = "tiny"
resolutions = [8, 12]
width_mults = [0.5, 1.0]
kernel_sizes = [3, 5]
expand_ratios = [2, 3]
stem_channels = 8
stem_stride = 1
channel_divisor = 4

[[stages]]
channels = 8
depths = [1, 2]
stride = 2

[[stages]]
channels = 12
depths = [1, 2]
stride = 2
"""


def make_divisible(value: float, divisor: int) -> int:
    """``value`` rounded to a multiple of ``divisor`` (at least ``divisor``), losing at most 10%."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


@dataclass(frozen=True)
class StageSpace:
    """One stage: its base output channels (at width 1), allowed depths and the stride of its first block."""

    channels: int
    depths: tuple[int, ...]
    stride: int = 1

    @property
    def max_depth(self) -> int:
        return max(self.depths)


@dataclass(frozen=True)
class SearchSpace:
    """Every choice a subnet makes; see the module docstring for the meaning of each field."""

    stages: tuple[StageSpace, ...]
    resolutions: tuple[int, ...] = (16, 24, 32)
    width_mults: tuple[float, ...] = (0.5, 0.75, 1.0)
    kernel_sizes: tuple[int, ...] = (3, 5, 7)
    expand_ratios: tuple[int, ...] = (3, 4, 6)
    stem_channels: int = 16
    stem_stride: int = 2
    channel_divisor: int = 8
    name: str = "space"

    def __post_init__(self) -> None:
        _check_choices("resolutions", self.resolutions, int, low=4)
        _check_choices("width_mults", self.width_mults, float, low=0.05)
        _check_choices("kernel_sizes", self.kernel_sizes, int, low=1)
        _check_choices("expand_ratios", self.expand_ratios, int, low=1)
        if any(k % 2 == 0 for k in self.kernel_sizes):
            raise SearchSpaceError(f"kernel_sizes must be odd (centred kernels), got {list(self.kernel_sizes)}")
        if not self.stages:
            raise SearchSpaceError("a search space needs at least one [[stages]] table")
        for i, stage in enumerate(self.stages, 1):
            _check_choices(f"stage {i} depths", stage.depths, int, low=1)
            if stage.channels < 1 or stage.stride not in (1, 2):
                raise SearchSpaceError(f"stage {i}: channels must be >= 1 and stride 1 or 2")
        if self.stem_channels < 1 or self.stem_stride not in (1, 2) or self.channel_divisor < 1:
            raise SearchSpaceError("stem_channels and channel_divisor must be >= 1, stem_stride 1 or 2")
        # Store the choices sorted so "largest" and "smallest" are simply the ends.
        object.__setattr__(self, "resolutions", tuple(sorted(set(self.resolutions))))
        object.__setattr__(self, "width_mults", tuple(sorted(set(float(w) for w in self.width_mults))))
        object.__setattr__(self, "kernel_sizes", tuple(sorted(set(self.kernel_sizes))))
        object.__setattr__(self, "expand_ratios", tuple(sorted(set(self.expand_ratios))))

    # ---------------------------------------------------------------------------------- channel counts
    def stem_out(self, width: float) -> int:
        """Stem output channels at ``width``."""
        return make_divisible(self.stem_channels * width, self.channel_divisor)

    def stage_out(self, stage: int, width: float) -> int:
        """Output channels of stage ``stage`` (0-based) at ``width``."""
        return make_divisible(self.stages[stage].channels * width, self.channel_divisor)

    @property
    def max_width(self) -> float:
        return self.width_mults[-1]

    def block_in(self, stage: int, block: int, width: float) -> int:
        """Input channels of block ``block`` of ``stage``: the previous stage's (or the stem's) for the first
        block, the stage's own for the others."""
        if block > 0:
            return self.stage_out(stage, width)
        return self.stem_out(width) if stage == 0 else self.stage_out(stage - 1, width)

    def block_stride(self, stage: int, block: int) -> int:
        """Only a stage's first block changes the resolution."""
        return self.stages[stage].stride if block == 0 else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-able form (what :func:`space_from_dict` reads)."""
        return {
            "name": self.name,
            "resolutions": list(self.resolutions),
            "width_mults": list(self.width_mults),
            "kernel_sizes": list(self.kernel_sizes),
            "expand_ratios": list(self.expand_ratios),
            "stem_channels": self.stem_channels,
            "stem_stride": self.stem_stride,
            "channel_divisor": self.channel_divisor,
            "stages": [{"channels": s.channels, "depths": list(s.depths), "stride": s.stride} for s in self.stages],
        }


def _check_choices(what: str, values: Any, kind: type, *, low: float) -> None:
    if not isinstance(values, tuple | list) or not values:
        raise SearchSpaceError(f"{what} must be a non-empty list")
    for v in values:
        ok = isinstance(v, int | float) if kind is float else isinstance(v, int)
        if not ok or isinstance(v, bool) or v < low:
            raise SearchSpaceError(f"{what} must hold numbers >= {low}, got {v!r}")


_KEYS = {
    "name",
    "resolutions",
    "width_mults",
    "kernel_sizes",
    "expand_ratios",
    "stem_channels",
    "stem_stride",
    "channel_divisor",
    "stages",
}


def space_from_dict(data: dict[str, Any], source: str = "search space") -> SearchSpace:
    """A :class:`SearchSpace` from its dict form; raises :class:`SearchSpaceError` naming the problem."""
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SearchSpaceError(f"{source}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
    stages_raw = data.get("stages")
    if not isinstance(stages_raw, list) or not all(isinstance(s, dict) for s in stages_raw):
        raise SearchSpaceError(f"{source}: 'stages' must be an array of tables ([[stages]])")
    try:
        stages = tuple(StageSpace(int(s["channels"]), tuple(s["depths"]), int(s.get("stride", 1))) for s in stages_raw)
        fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k != "stages"}
        return SearchSpace(stages=stages, **fields)
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"{source}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise SearchSpaceError(f"{source}: bad stage or value ({type(exc).__name__}: {exc})") from None


def parse_space(text: str, source: str = "search space") -> SearchSpace:
    """Parse a space from TOML text; raises :class:`SearchSpaceError`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SearchSpaceError(f"{source}: not valid TOML: {exc}") from None
    return space_from_dict(raw, source)


def load_space(path: str | Path | None = None) -> SearchSpace:
    """The space in the TOML file ``path``, or the built-in default when ``path`` is None.

    Raises :class:`SearchSpaceError` when the file is missing or malformed.
    """
    if path is None:
        return default_space()
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SearchSpaceError(f"cannot read search space {path}: {exc.strerror or exc}") from None
    return parse_space(text, path.name)


def default_space() -> SearchSpace:
    """The built-in space of :data:`DEFAULT_SPACE_TOML`."""
    return parse_space(DEFAULT_SPACE_TOML, "built-in space")
