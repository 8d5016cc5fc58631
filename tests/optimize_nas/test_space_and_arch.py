"""Search spaces from TOML, architectures, sampling, mutation and their validation."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from studio.optimize.nas.arch import (
    SubnetArch,
    crossover_arch,
    largest_arch,
    mutate_arch,
    sample_arch,
    smallest_arch,
    validate_arch,
)
from studio.optimize.nas.space import SearchSpaceError, default_space, load_space, parse_space


def test_default_space_is_the_documented_one() -> None:
    space = default_space()
    assert space.kernel_sizes == (3, 5, 7)
    assert space.expand_ratios == (3, 4, 6)
    assert space.resolutions == (16, 24, 32)
    assert [s.max_depth for s in space.stages] == [2, 3, 3]
    assert load_space(None) == space


def test_space_file_round_trip_and_errors(tmp_path: Path, tiny_space) -> None:  # type: ignore[no-untyped-def]
    from studio.optimize.nas.space import space_from_dict

    assert space_from_dict(tiny_space.to_dict()) == tiny_space
    bad = tmp_path / "bad.toml"
    bad.write_text("resolutions = [16]\nkernels = [3]\n[[stages]]\nchannels = 8\ndepths = [1]\n")
    with pytest.raises(SearchSpaceError, match=r"unknown key.*kernels"):
        load_space(bad)
    with pytest.raises(SearchSpaceError, match="odd"):
        parse_space("kernel_sizes = [4]\n[[stages]]\nchannels = 8\ndepths = [1]\n")
    with pytest.raises(SearchSpaceError, match="at least one"):
        parse_space("resolutions = [16]\nstages = []\n")
    with pytest.raises(SearchSpaceError, match="cannot read"):
        load_space(tmp_path / "missing.toml")


def test_sampling_is_seeded_and_stays_in_the_space(tiny_space) -> None:  # type: ignore[no-untyped-def]
    a = [sample_arch(tiny_space, random.Random(3)).key() for _ in range(2)]
    assert a[0] == a[1]
    rng = random.Random(0)
    for _ in range(50):
        arch = sample_arch(tiny_space, rng)
        validate_arch(tiny_space, arch)
        child = mutate_arch(tiny_space, arch, rng, 0.5)
        validate_arch(tiny_space, child)
        validate_arch(tiny_space, crossover_arch(arch, child, rng))
    assert largest_arch(tiny_space).depths == (2, 2)
    assert smallest_arch(tiny_space).resolution == 8


def test_arch_json_round_trip_and_key_identity(tiny_space) -> None:  # type: ignore[no-untyped-def]
    arch = sample_arch(tiny_space, random.Random(1))
    again = SubnetArch.from_json(arch.to_json())
    assert again == arch and again.key() == arch.key()
    with pytest.raises(SearchSpaceError):
        SubnetArch.from_json('{"resolution": 8}')
    with pytest.raises(SearchSpaceError, match="resolution 99"):
        validate_arch(tiny_space, SubnetArch(99, 1.0, (1, 1), ((3,), (3,)), ((2,), (2,))))
