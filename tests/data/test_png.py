"""The built-in PNG decoder against an independent encoder, every filter and colour type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import DataError
from studio.data.png import read_png
from tests.data.png_writer import write_png


@pytest.mark.parametrize(("colour", "samples"), [(0, 1), (2, 3), (4, 2), (6, 4)])
def test_8_bit_images_round_trip(tmp_path: Path, colour: int, samples: int) -> None:
    pixels = np.random.default_rng(colour).integers(0, 256, size=(11, 7, samples), dtype=np.uint8)
    write_png(tmp_path / "a.png", pixels, colour)
    decoded = read_png(tmp_path / "a.png")
    assert decoded.dtype == np.float32
    np.testing.assert_allclose(decoded, pixels / 255.0, atol=1e-6)


def test_16_bit_grayscale(tmp_path: Path) -> None:
    pixels = np.random.default_rng(1).integers(0, 65536, size=(6, 5, 1), dtype=np.uint16)
    write_png(tmp_path / "a.png", pixels, colour=0, depth=16)
    np.testing.assert_allclose(read_png(tmp_path / "a.png"), pixels / 65535.0, atol=1e-6)


def test_palette_image_becomes_rgb(tmp_path: Path) -> None:
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
    index = np.array([[[0], [1]], [[2], [0]]], dtype=np.uint8)
    write_png(tmp_path / "p.png", index, colour=3, palette=palette)
    decoded = read_png(tmp_path / "p.png")
    assert decoded.shape == (2, 2, 3)
    np.testing.assert_array_equal(decoded[0, 1], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(decoded[1, 0], [0.0, 0.0, 1.0])


def test_1_bit_grayscale(tmp_path: Path) -> None:
    # 10 pixels of 1 bit: two bytes per row, the last 6 bits padding.
    bits = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1], dtype=np.uint8)
    packed = np.packbits(bits)[None, :, None]
    write_png(tmp_path / "b.png", packed, colour=0, depth=1, width=10)
    decoded = read_png(tmp_path / "b.png")
    np.testing.assert_array_equal(decoded[0, :, 0], bits.astype(np.float32))


def test_not_a_png_and_truncated_files_are_data_errors(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"GIF89a....")
    with pytest.raises(DataError, match="not a PNG"):
        read_png(tmp_path / "x.png")
    write_png(tmp_path / "t.png", np.zeros((4, 4, 1), np.uint8), colour=0)
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[:40])
    with pytest.raises(DataError):
        read_png(tmp_path / "t.png")
