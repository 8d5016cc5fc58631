"""Benchmarks behind ``make bench``: each target of DESIGN.md measured as a ratio against a baseline taken
in the same run, so numbers from different machines stay comparable.

Each ``bench_*.py`` module exposes ``run(quick: bool = False) -> dict`` (see :mod:`benchmarks.result`);
:mod:`benchmarks.run` runs them all and writes one JSON file.
"""
