"""Data sets: digits, .npz files, image folders, splits, subsets and fitting images to a model's input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import DataError
from studio.data.datasets import Dataset, load_dataset
from studio.data.image_folder import _pillow_available
from tests.data.png_writer import write_png


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset("digits")


def small_dataset(n_per_class: int = 10, classes: int = 3) -> Dataset:
    y = np.repeat(np.arange(classes), n_per_class)
    x = np.arange(len(y) * 4, dtype=np.float32).reshape(len(y), 1, 2, 2)
    return Dataset(x, y, tuple("abc"[:classes]), "small")


def test_digits_are_8x8_images_in_unit_range(digits: Dataset) -> None:
    assert digits.x.shape == (1797, 1, 8, 8)
    assert digits.x.dtype == np.float32 and digits.y.dtype == np.int64
    assert digits.x.min() == 0.0 and digits.x.max() == 1.0
    assert digits.class_names == tuple("0123456789")
    assert digits.input_shape == (1, 8, 8) and digits.num_classes == 10


def test_split_is_stratified_disjoint_and_seeded(digits: Dataset) -> None:
    train, val = digits.split(0.2, seed=3)
    assert len(train) + len(val) == len(digits)
    assert len(val) == pytest.approx(0.2 * len(digits), abs=10)
    for label in range(10):
        share = (val.y == label).sum() / (digits.y == label).sum()
        assert 0.15 < share < 0.25
    _, again_val = digits.split(0.2, seed=3)
    np.testing.assert_array_equal(val.x, again_val.x)
    other_val = digits.split(0.2, seed=4)[1]
    assert not np.array_equal(val.x, other_val.x)


def test_split_parts_are_disjoint_and_cover_everything() -> None:
    data = small_dataset()  # every image distinct: its first pixel identifies it
    train, val = data.split(0.3, seed=1)
    ids_train, ids_val = set(train.x[:, 0, 0, 0]), set(val.x[:, 0, 0, 0])
    assert not ids_train & ids_val
    assert ids_train | ids_val == set(data.x[:, 0, 0, 0])
    assert len(val) == 9


def test_split_keeps_every_class_in_both_parts() -> None:
    train, val = small_dataset(n_per_class=2).split(0.1)
    assert set(train.y) == set(val.y) == {0, 1, 2}


def test_split_rejects_bad_fractions() -> None:
    with pytest.raises(DataError, match="between 0 and 1"):
        small_dataset().split(1.0)


def test_subset_draws_without_replacement() -> None:
    data = small_dataset()
    part = data.subset(12, seed=1)
    assert len(part) == 12
    assert len(set(part.x[:, 0, 0, 0])) == 12
    np.testing.assert_array_equal(part.x, data.subset(12, seed=1).x)
    assert not np.array_equal(part.x, data.subset(12, seed=2).x)
    assert data.subset(5000) is data


def test_mismatched_lengths_are_a_data_error() -> None:
    with pytest.raises(DataError, match="3 images but 2 labels"):
        Dataset(np.zeros((3, 1, 2, 2)), np.zeros(2, dtype=np.int64))


def test_adapted_to_resizes_and_repeats_channels(digits: Dataset) -> None:
    part = digits.subset(20)
    big = part.adapted_to((1, 3, 32, 32))
    assert big.x.shape == (20, 3, 32, 32) and big.x.dtype == np.float32
    np.testing.assert_array_equal(big.x[:, 0], big.x[:, 2])
    assert big.x.mean() == pytest.approx(part.x.mean(), rel=0.05)
    np.testing.assert_array_equal(big.y, part.y)
    gray = big.adapted_to((1, 8, 8))
    assert gray.x.shape == (20, 1, 8, 8)
    assert part.adapted_to((1, 1, 8, 8)) is part
    assert part.adapted_to(("batch", 1, "h", "w")) is part


def test_adapted_to_explains_what_cannot_fit(digits: Dataset) -> None:
    with pytest.raises(DataError, match="1-channel images but the model expects 2 channels"):
        digits.adapted_to((2, 8, 8))
    with pytest.raises(DataError, match="needs an image input"):
        digits.adapted_to((1, 64))


def test_npz_channels_last_uint8_with_class_names(tmp_path: Path) -> None:
    x = np.random.default_rng(0).integers(0, 256, size=(6, 5, 4, 3), dtype=np.uint8)
    path = tmp_path / "set.npz"
    np.savez(path, x=x, y=np.array([0, 1, 0, 1, 0, 1]), class_names=np.array(["cat", "dog"]))
    data = load_dataset(path)
    assert data.x.shape == (6, 3, 5, 4)
    np.testing.assert_allclose(data.x[2, 1], x[2, :, :, 1] / 255.0, atol=1e-6)
    assert data.class_names == ("cat", "dog") and data.name == "set"


def test_npz_errors_are_one_line_data_errors(tmp_path: Path) -> None:
    np.savez(tmp_path / "short.npz", x=np.zeros((4, 8, 8)), y=np.zeros(3, dtype=np.int64))
    with pytest.raises(DataError, match="x has 4 samples but y has 3"):
        load_dataset(tmp_path / "short.npz")
    np.savez(tmp_path / "nolabels.npz", images=np.zeros((4, 8, 8)))
    with pytest.raises(DataError, match="must hold arrays 'x' and 'y'"):
        load_dataset(tmp_path / "nolabels.npz")
    np.savez(tmp_path / "pickled.npz", x=np.array([object()] * 2, dtype=object), y=np.zeros(2, dtype=np.int64))
    with pytest.raises(DataError, match="Python objects"):
        load_dataset(tmp_path / "pickled.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"not a readable \.npz"):
        load_dataset(tmp_path / "bad.npz")


def test_missing_path_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_dataset(tmp_path / "nowhere")


def test_image_folder_of_pngs_and_npy(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "cat").mkdir()
    (tmp_path / "dog").mkdir()
    red = rng.integers(0, 256, size=(6, 6, 3), dtype=np.uint8)
    write_png(tmp_path / "cat" / "1.png", red, colour=2)
    write_png(tmp_path / "cat" / "2.png", rng.integers(0, 256, size=(6, 6, 1), dtype=np.uint8), colour=0)
    write_png(tmp_path / "dog" / "3.png", rng.integers(0, 256, size=(12, 12, 4), dtype=np.uint8), colour=6)
    np.save(tmp_path / "dog" / "4.npy", rng.random((6, 6)).astype(np.float32))
    (tmp_path / "dog" / "notes.txt").write_text("ignored")
    data = load_dataset(tmp_path)
    assert data.class_names == ("cat", "dog")
    assert data.x.shape == (4, 3, 6, 6)  # gray repeated to RGB, the 12x12 one resized, alpha dropped
    np.testing.assert_array_equal(data.y, [0, 0, 1, 1])
    np.testing.assert_allclose(data.x[0], red.transpose(2, 0, 1) / 255.0, atol=1e-6)


def test_empty_image_folders_are_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        load_dataset(tmp_path)
    (tmp_path / "cat").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        load_dataset(tmp_path)


@pytest.mark.skipif(_pillow_available(), reason="Pillow is installed, so JPEG works")
def test_jpeg_without_pillow_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "1.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    with pytest.raises(DataError, match="pip install pillow"):
        load_dataset(tmp_path)
