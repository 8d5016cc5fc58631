"""A tiny PNG encoder for tests: every row filter, so the decoder is checked against an independent writer."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filter_row(kind: int, row: bytes, up: bytes, bpp: int) -> bytes:
    out = bytearray(len(row))
    for i, value in enumerate(row):
        left = row[i - bpp] if i >= bpp else 0
        upper_left = up[i - bpp] if i >= bpp else 0
        predictor = {0: 0, 1: left, 2: up[i], 3: (left + up[i]) >> 1, 4: _paeth(left, up[i], upper_left)}[kind]
        out[i] = (value - predictor) & 0xFF
    return bytes([kind]) + bytes(out)


def write_png(
    path: Path,
    pixels: np.ndarray,
    colour: int,
    depth: int = 8,
    palette: bytes = b"",
    width: int | None = None,
) -> None:
    """Write ``pixels`` (H,W,samples of uint8/uint16; below 8 bits, rows already packed and ``width`` given)
    with row filters cycling through 0..4."""
    height = pixels.shape[0]
    width = width or pixels.shape[1]
    if depth == 16:
        raw_rows = [pixels[r].astype(">u2").tobytes() for r in range(height)]
    else:
        raw_rows = [pixels[r].astype(np.uint8).tobytes() for r in range(height)]
    bpp = max(1, pixels.shape[2] * depth // 8)
    previous = bytes(len(raw_rows[0]))
    body = bytearray()
    for r, row in enumerate(raw_rows):
        body += _filter_row(r % 5, row, previous, bpp)
        previous = row
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    if palette:
        data += _chunk(b"PLTE", palette)
    data += _chunk(b"IDAT", zlib.compress(bytes(body))) + _chunk(b"IEND", b"")
    path.write_bytes(data)
