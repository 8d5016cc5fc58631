"""The int8 IR validates itself, and its file round-trips exactly and loads without pickle."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from studio.int8.ir import Conv2D, FullyConnected, Int8Model, Int8ModelError, MaxPool2D, Reshape, TensorSpec
from studio.int8.reference import run_int8
from studio.int8.serialize import HEADER_KEY, from_bytes, load_int8, save_int8, to_bytes


def _two_op_model() -> Int8Model:
    rng = np.random.default_rng(0)
    conv = Conv2D(
        "conv1", ("x",), "c", weights=rng.integers(-127, 128, (4, 3, 3, 2)).astype(np.int8),
        bias=rng.integers(-100, 100, 4).astype(np.int32), multiplier=np.full(4, 1518500250, np.int32),
        shift=np.full(4, -8, np.int32), weight_scale=rng.uniform(0.01, 0.1, 4), padding=(1, 1, 1, 1),
        act_min=-128, act_max=127,
    )  # fmt: skip
    flat = Reshape("flatten", ("c",), "f", shape=(64,))
    fc = FullyConnected(
        "fc", ("f",), "y", weights=rng.integers(-7, 8, (3, 64)).astype(np.int8), bias=np.zeros(3, np.int32),
        multiplier=np.full(3, 2**30, np.int32), shift=np.full(3, -6, np.int32), weight_scale=np.ones(3),
        weight_bits=4,
    )  # fmt: skip
    tensors = (
        TensorSpec("x", (4, 4, 2), 0.05, -3),
        TensorSpec("c", (4, 4, 4), 0.1, -128),
        TensorSpec("f", (64,), 0.1, -128),
        TensorSpec("y", (3,), 0.2, 4),
    )
    return Int8Model("tiny", tensors, (conv, flat, fc), ("x",), ("y",), {"note": "test"})


def test_file_round_trip_is_exact(tmp_path: Path) -> None:
    model = _two_op_model()
    path = save_int8(model, tmp_path / "m.int8.npz")
    loaded = load_int8(path)
    assert loaded.tensors == model.tensors and loaded.inputs == ("x",) and loaded.metadata == {"note": "test"}
    for a, b in zip(model.ops, loaded.ops, strict=True):
        assert type(a) is type(b) and a.name == b.name and a.inputs == b.inputs
        for field in type(a).ARRAYS:
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
            assert getattr(a, field).dtype == getattr(b, field).dtype
    assert loaded.ops[0].padding == (1, 1, 1, 1) and loaded.ops[2].weight_bits == 4
    x = np.random.default_rng(1).integers(-128, 128, (3, 4, 4, 2)).astype(np.int8)
    np.testing.assert_array_equal(run_int8(model, x)["y"], run_int8(loaded, x)["y"])


def test_weight_bytes_count_packed_bits() -> None:
    model = _two_op_model()
    # conv: 72 int8 weights + 4 * (4 + 8) bytes; fc: 192 4-bit weights = 96 bytes + 4 * (3 + 6)
    assert model.weight_bytes == 72 + 48 + 96 + 36


def test_arrays_are_read_only() -> None:
    op = _two_op_model().ops[0]
    with pytest.raises(ValueError):
        op.weights[0, 0, 0, 0] = 1


def test_file_with_a_pickled_array_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    header = np.frombuffer(json.dumps({"format": "tinyml-studio-int8", "version": 1}).encode(), np.uint8)
    np.savez(buffer, **{HEADER_KEY: header, "op0.weights": np.array([{"evil": 1}], dtype=object)})
    path = tmp_path / "evil.int8.npz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(Int8ModelError):
        load_int8(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "not a readable"), (b"PK\x03\x04garbage", "not a readable")],
)
def test_corrupt_files_give_one_line(data: bytes, message: str) -> None:
    with pytest.raises(Int8ModelError, match=message):
        from_bytes(data)


def test_newer_version_and_foreign_archives_are_refused() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, other=np.zeros(3))
    with pytest.raises(Int8ModelError, match="not a TinyML Studio int8"):
        from_bytes(buffer.getvalue())
    data = to_bytes(_two_op_model())
    with np.load(io.BytesIO(data)) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(arrays[HEADER_KEY].tobytes())
    header["version"] = 99
    arrays[HEADER_KEY] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(Int8ModelError, match="newer"):
        from_bytes(buffer.getvalue())


def test_missing_file() -> None:
    with pytest.raises(Int8ModelError, match="cannot read"):
        load_int8(Path("/nonexistent/m.int8.npz"))


def _replace_op(model: Int8Model, index: int, op: object) -> Int8Model:
    ops = list(model.ops)
    ops[index] = op
    return Int8Model(model.name, model.tensors, tuple(ops), model.inputs, model.outputs)


def test_validation_catches_inconsistencies() -> None:
    model = _two_op_model()
    conv, flat, fc = model.ops
    with pytest.raises(Int8ModelError, match="before it is produced"):
        Int8Model("m", model.tensors, (flat, conv, fc), ("x",), ("y",))
    with pytest.raises(Int8ModelError, match="output shape"):
        _replace_op(model, 1, Reshape("flatten", ("c",), "f", shape=(8, 8)))
    big = np.array(conv.weights, copy=True)
    big[0, 0, 0, 0] = 8
    fc_weights = np.array(fc.weights, copy=True)
    fc_weights[0, 0] = 8  # beyond 4 bits
    bad_fc = FullyConnected("fc", ("f",), "y", weights=fc_weights, bias=fc.bias, multiplier=fc.multiplier,
                            shift=fc.shift, weight_scale=fc.weight_scale, weight_bits=4)  # fmt: skip
    with pytest.raises(Int8ModelError, match="4-bit"):
        _replace_op(model, 2, bad_fc)
    overflow = Conv2D("conv1", ("x",), "c", weights=conv.weights, bias=np.full(4, 2**31 - 10, np.int32),
                      multiplier=conv.multiplier, shift=conv.shift, weight_scale=conv.weight_scale,
                      padding=(1, 1, 1, 1))  # fmt: skip
    with pytest.raises(Int8ModelError, match="overflow"):
        _replace_op(model, 0, overflow)
    with pytest.raises(Int8ModelError, match="share"):
        pool = MaxPool2D("pool", ("x",), "p", kernel=(2, 2), stride=(2, 2))
        Int8Model("m", (model.tensors[0], TensorSpec("p", (2, 2, 2), 0.5, 0)), (pool,), ("x",), ("p",))
    with pytest.raises(Int8ModelError, match="zero_point"):
        TensorSpec("x", (1,), 1.0, 200) and Int8Model("m", (TensorSpec("x", (1,), 1.0, 200),), (), ("x",), ("x",))
    with pytest.raises(Int8ModelError, match="values do not fit"):
        Reshape("r", ("x",), "y") and Conv2D("c", ("x",), "y", weights=np.full((1, 1, 1, 1), 300))
