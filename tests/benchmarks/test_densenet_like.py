"""The synthetic DenseNet-like generator makes valid ONNX models of about the requested size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.densenet_like import make_densenet_like_model, write_densenet_like_onnx


@pytest.mark.parametrize("target", [60, 300])
def test_node_count_is_close_to_target_and_shapes_infer(target: int) -> None:
    import onnx

    model = make_densenet_like_model(target)
    count = len(model.graph.node)
    assert abs(count - target) <= 20
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info}
    assert shapes["head.flat.out"][0] == 1 and shapes["head.flat.out"][1] > 0
    concats = [n for n in model.graph.node if n.op_type == "Concat"]
    assert concats and all(len(n.input) == 2 for n in concats)


def test_written_model_runs_in_onnxruntime(tmp_path: Path) -> None:
    import onnxruntime as ort

    path = write_densenet_like_onnx(tmp_path / "d.onnx", 60, classes=5)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input": np.ones((1, 3, 8, 8), np.float32)})
    assert logits.shape == (1, 5) and np.isfinite(logits).all()


def test_too_small_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        make_densenet_like_model(5)
