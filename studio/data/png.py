"""A small PNG decoder (zlib + NumPy), so image folders of PNGs open without Pillow installed.

Why not require Pillow: the studio's dependencies do not include it today, and PNG is the lossless format
people export data sets in. Supports every colour type, bit depths 1-16 and all five row filters; not
interlaced (Adam7) images, which raise :class:`DataError` with advice. JPEG still needs Pillow.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from studio.core.errors import DataError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour type -> samples per pixel (0 gray, 2 RGB, 3 palette index, 4 gray+alpha, 6 RGBA).
_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def read_png(path: Path) -> np.ndarray:
    """The image in ``path`` as float32 H,W,C in [0, 1] (C is 1, 2, 3 or 4; palettes become RGB or RGBA).

    Raises :class:`DataError` when the file is not a PNG, is truncated, or uses interlacing.
    """
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise DataError(f"{path.name} is not a PNG file")
    header, palette, transparency, idat = _chunks(data, path.name)
    width, height, depth, colour, _, _, interlace = header
    if colour not in _SAMPLES or depth not in (1, 2, 4, 8, 16):
        raise DataError(f"{path.name}: unsupported PNG colour type {colour} / bit depth {depth}")
    if interlace:
        raise DataError(f"{path.name} is an interlaced PNG; save it without interlacing or install Pillow")
    samples = _SAMPLES[colour]
    bits_per_pixel = samples * depth
    stride = (width * bits_per_pixel + 7) // 8
    try:
        raw = zlib.decompress(idat)
    except zlib.error as err:
        raise DataError(f"{path.name} is a corrupt PNG (bad compressed data)") from err
    if len(raw) < height * (stride + 1):
        raise DataError(f"{path.name} is a truncated PNG")
    rows = _unfilter(raw, height, stride, max(1, bits_per_pixel // 8), path.name)
    values = _samples(rows, width, samples, depth)
    if colour == 3:
        return _apply_palette(values[..., 0], palette, transparency, path.name)
    return values.astype(np.float32) / float((1 << depth) - 1)


def _chunks(data: bytes, name: str) -> tuple[tuple[int, ...], bytes, bytes, bytes]:
    pos = len(PNG_SIGNATURE)
    header: tuple[int, ...] | None = None
    palette = transparency = b""
    idat = bytearray()
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            raise DataError(f"{name} is a truncated PNG")
        pos += 12 + length  # length, type, body, CRC
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise DataError(f"{name} is a PNG without image data")
    return header, palette, transparency, bytes(idat)


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, name: str) -> np.ndarray:
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for r in range(height):
        start = r * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1)
        if kind == 0:
            row = line.copy()
        elif kind == 1:  # Sub: running sum, per byte lane, modulo 256
            lanes = np.zeros(((stride + bpp - 1) // bpp) * bpp, dtype=np.int64)
            lanes[:stride] = line
            row = (np.cumsum(lanes.reshape(-1, bpp), axis=0).reshape(-1)[:stride] % 256).astype(np.uint8)
        elif kind == 2:  # Up
            row = line + previous
        elif kind in (3, 4):
            row = np.frombuffer(_unfilter_sequential(kind, line.tobytes(), previous.tobytes(), bpp), np.uint8)
        else:
            raise DataError(f"{name} is a corrupt PNG (row filter {kind})")
        out[r] = row
        previous = out[r]
    return out


def _unfilter_sequential(kind: int, line: bytes, up: bytes, bpp: int) -> bytes:
    # Average and Paeth depend on the byte just decoded, so they run byte by byte.
    row = bytearray(line)
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        above = up[i]
        if kind == 3:
            row[i] = (row[i] + ((left + above) >> 1)) & 0xFF
            continue
        upper_left = up[i - bpp] if i >= bpp else 0
        p = left + above - upper_left
        pa, pb, pc = abs(p - left), abs(p - above), abs(p - upper_left)
        pred = left if pa <= pb and pa <= pc else (above if pb <= pc else upper_left)
        row[i] = (row[i] + pred) & 0xFF
    return bytes(row)


def _samples(rows: np.ndarray, width: int, samples: int, depth: int) -> np.ndarray:
    height = rows.shape[0]
    if depth == 8:
        return rows[:, : width * samples].reshape(height, width, samples)
    if depth == 16:
        wide = rows[:, : width * samples * 2].reshape(height, width * samples, 2).astype(np.uint16)
        return ((wide[..., 0] << 8) | wide[..., 1]).reshape(height, width, samples)
    bits = np.unpackbits(rows, axis=1)[:, : width * samples * depth].reshape(height, -1, depth)
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
    return (bits * weights).sum(axis=2).astype(np.uint8).reshape(height, width, samples)


def _apply_palette(index: np.ndarray, palette: bytes, transparency: bytes, name: str) -> np.ndarray:
    if not palette:
        raise DataError(f"{name} is a palette PNG without a palette")
    colours = np.frombuffer(palette, dtype=np.uint8).reshape(-1, 3).astype(np.float32) / 255.0
    if int(index.max()) >= len(colours):
        raise DataError(f"{name} is a corrupt PNG (palette index out of range)")
    if transparency:
        alpha = np.ones((len(colours), 1), dtype=np.float32)
        given = np.frombuffer(transparency, dtype=np.uint8)[: len(colours)]
        alpha[: len(given), 0] = given / 255.0
        colours = np.concatenate([colours, alpha], axis=1)
    return colours[index]
