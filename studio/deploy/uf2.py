"""UF2 files (Microsoft's USB Flashing Format, as its specification defines it) and UF2 drives.

Each 512-byte block: magic ``0x0A324655`` ("UF2\\n"), ``0x9E5D5157``, flags, target address, payload size
(256 here), block number, number of blocks, family id (flag ``0x00002000``) or file size, 476 bytes of data
(the payload, zero-padded), final magic ``0x0AB16F30``. A bootloader shows a drive holding ``INFO_UF2.TXT``;
copying the file onto it flashes the board.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC_START0 = 0x0A324655
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
FLAG_FAMILY_ID = 0x00002000
FLAG_NOT_MAIN_FLASH = 0x00000001
BLOCK_SIZE = 512
PAYLOAD_SIZE = 256
DATA_AREA = 476
INFO_FILE = "INFO_UF2.TXT"


def to_uf2(data: bytes, base_address: int, family_id: int | None) -> bytes:
    """``data`` to be written at ``base_address`` as UF2 blocks of 256 payload bytes."""
    chunks = [data[i : i + PAYLOAD_SIZE] for i in range(0, len(data), PAYLOAD_SIZE)] or [b""]
    flags = FLAG_FAMILY_ID if family_id is not None else 0
    blocks = []
    for n, chunk in enumerate(chunks):
        header = struct.pack(
            "<8I",
            MAGIC_START0,
            MAGIC_START1,
            flags,
            base_address + n * PAYLOAD_SIZE,
            PAYLOAD_SIZE,
            n,
            len(chunks),
            family_id if family_id is not None else len(data),
        )
        body = chunk.ljust(DATA_AREA, b"\0")
        blocks.append(header + body + struct.pack("<I", MAGIC_END))
    return b"".join(blocks)


@dataclass(frozen=True)
class Uf2Block:
    flags: int
    address: int
    payload: bytes
    block_no: int
    num_blocks: int
    family_or_size: int


def parse_uf2(blob: bytes) -> list[Uf2Block]:
    """The blocks of a UF2 file; raises ``ValueError`` for a bad size or magic number."""
    if len(blob) % BLOCK_SIZE:
        raise ValueError(f"UF2 size {len(blob)} is not a multiple of {BLOCK_SIZE}")
    blocks = []
    for i in range(0, len(blob), BLOCK_SIZE):
        block = blob[i : i + BLOCK_SIZE]
        m0, m1, flags, addr, size, no, count, fam = struct.unpack("<8I", block[:32])
        (end,) = struct.unpack("<I", block[-4:])
        if (m0, m1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise ValueError(f"block {i // BLOCK_SIZE}: bad UF2 magic numbers")
        if size > DATA_AREA:
            raise ValueError(f"block {i // BLOCK_SIZE}: payload of {size} bytes exceeds {DATA_AREA}")
        blocks.append(Uf2Block(flags, addr, block[32 : 32 + size], no, count, fam))
    return blocks


@dataclass(frozen=True)
class Uf2Drive:
    """A mounted UF2 bootloader drive and what its ``INFO_UF2.TXT`` says (``Board-ID``, ``Model``)."""

    path: Path
    info: dict[str, str]

    @property
    def board_id(self) -> str:
        return self.info.get("Board-ID", "")


def read_info(path: Path) -> dict[str, str]:
    """``INFO_UF2.TXT``'s ``Key: value`` lines (the first line, the bootloader banner, becomes ``banner``)."""
    text = (path / INFO_FILE).read_text(encoding="utf-8", errors="replace")
    info: dict[str, str] = {}
    for i, line in enumerate(text.splitlines()):
        if ":" in line:
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        elif i == 0 and line.strip():
            info["banner"] = line.strip()
    return info


def mount_roots() -> list[Path]:
    """Where removable drives get mounted on Linux and macOS (each root's children are candidate drives)."""
    import getpass

    user = getpass.getuser()
    return [Path(f"/media/{user}"), Path("/media"), Path(f"/run/media/{user}"), Path("/mnt"), Path("/Volumes")]


def find_uf2_drives(roots: list[Path] | None = None) -> list[Uf2Drive]:
    """Every mounted drive that holds an ``INFO_UF2.TXT``."""
    found, seen = [], set()
    for root in roots if roots is not None else mount_roots():
        try:
            children = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
        except OSError:
            continue
        for child in children:
            if child in seen:
                continue
            seen.add(child)
            try:
                if (child / INFO_FILE).is_file():
                    found.append(Uf2Drive(child, read_info(child)))
            except OSError:
                continue
    return found
