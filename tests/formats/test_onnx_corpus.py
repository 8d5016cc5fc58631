"""Corpus test: real ONNX files shipped with the onnx package, each with its expected outcome.

The expectations live in ``corpus_expectations.json``; regenerate (then review the diff) with
``python -m tests.formats.test_onnx_corpus``. Entries ending in ``.pb`` are tensor protobufs (test data, not
models) copied to a ``.onnx`` name: they must fail with a one-line ModelLoadError.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import onnx
import pytest

from studio.core.errors import ModelLoadError
from studio.formats.registry import open_model

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
EXPECTATIONS = Path(__file__).with_name("corpus_expectations.json")


def sample_corpus() -> list[str]:
    """A stable sample: every light model plus a spread of converted, operator and simple models."""
    picks = [p for p in sorted(DATA.glob("light/*.onnx"))]
    picks += sorted(DATA.glob("pytorch-converted/*/model.onnx"))[::4]
    picks += sorted(DATA.glob("pytorch-operator/*/model.onnx"))[::4]
    picks += sorted(DATA.glob("simple/*/model.onnx"))[::3]
    picks += sorted(DATA.rglob("*.pb"))[::150]
    return [str(p.relative_to(DATA)) for p in picks]


def _open(relative: str, tmp: Path) -> Any:
    source = DATA / relative
    if source.suffix == ".pb":
        target = tmp / (source.stem + ".onnx")
        shutil.copy(source, target)
        source = target
    return open_model(source)


def _outcome(relative: str, tmp: Path) -> dict[str, Any]:
    try:
        model = _open(relative, tmp)
    except ModelLoadError as err:
        return {"error": type(err).__name__}
    graph = model.graph
    return {
        "nodes": len(graph.nodes),
        "params": graph.param_count,
        "input_shape": list(model.input_shape) if model.input_shape is not None else None,
        "first_op": graph.nodes[0].op if graph.nodes else None,
    }


def _expectations() -> dict[str, dict[str, Any]]:
    return json.loads(EXPECTATIONS.read_text())


@pytest.mark.skipif(not DATA.is_dir(), reason="this onnx build ships no backend test data")
def test_sample_matches_recorded_list() -> None:
    assert sorted(_expectations()) == sorted(sample_corpus())
    assert len(_expectations()) >= 40


@pytest.mark.skipif(not DATA.is_dir(), reason="this onnx build ships no backend test data")
@pytest.mark.parametrize("relative", sorted(json.loads(EXPECTATIONS.read_text())))
def test_corpus_file(relative: str, tmp_path: Path) -> None:
    expected = _expectations()[relative]
    if "error" in expected:
        with pytest.raises(ModelLoadError) as info:
            _open(relative, tmp_path)
        assert "\n" not in str(info.value)
    else:
        assert _outcome(relative, tmp_path) == expected


def _regenerate() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        table = {rel: _outcome(rel, Path(tmp)) for rel in sample_corpus()}
    EXPECTATIONS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(table)} expectations to {EXPECTATIONS}")


if __name__ == "__main__":
    _regenerate()
