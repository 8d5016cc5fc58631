"""Reuse the tiny data set of the NAS core tests."""

from tests.optimize_nas.conftest import small_digits_npz  # noqa: F401
