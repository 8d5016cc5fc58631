"""The CLI end to end, in a subprocess like a user runs it: JSON shapes, exit statuses, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A conv -> relu -> flatten -> gemm ONNX model written with onnx.helper (no torch)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(np.zeros(4, np.float32), "b")
    fc = numpy_helper.from_array(rng.standard_normal((10, 4 * 6 * 6)).astype(np.float32), "fc")
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [w, b, fc],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path_factory.mktemp("cli") / "tiny.onnx"
    onnx.save(model, path)
    return path


def test_info_json_has_the_documented_keys_and_hand_computed_numbers(tiny_onnx: Path) -> None:
    proc = run_cli("info", str(tiny_onnx), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    layers = {layer["name"]: layer for layer in data["layers"]}
    for layer in data["layers"]:
        assert {"name", "op", "params", "macs", "output_shape"} <= layer.keys()
    # conv: 4 filters of 1x3x3 on a 6x6 output -> 4*6*6*9 MACs; 36 weights + 4 biases.
    assert layers["conv"]["macs"] == 4 * 6 * 6 * 9
    assert layers["conv"]["params"] == 40
    assert layers["fc"]["macs"] == 10 * 144
    assert list(layers["conv"]["output_shape"]) == [1, 4, 6, 6]
    assert data["total"]["params"] == 40 + 1440
    assert data["total"]["macs"] == 4 * 6 * 6 * 9 + 10 * 144
    assert data["total"]["peak_activation_bytes"] > 0


def test_info_on_demo_and_csv_export(tmp_path: Path) -> None:
    csv_path = tmp_path / "profile.csv"
    proc = run_cli("info", "demo", "--json", "--csv", str(csv_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["total"]["params"] > 1000
    assert any(layer["op"] == "Conv" for layer in data["layers"])
    lines = csv_path.read_text().splitlines()
    assert len(lines) >= len(data["layers"]) + 1


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage" * 10, b"PK\x03\x04truncated"])
@pytest.mark.parametrize("suffix", [".onnx", ".pt", ".pt2"])
def test_bad_files_give_one_line_and_status_2(tmp_path: Path, content: bytes, suffix: str) -> None:
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(content)
    proc = run_cli("info", str(bad), "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("tinyml-studio: error:")


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    proc = run_cli("info", str(tmp_path / "nope.onnx"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_evaluate_demo_on_digits_matches_recorded_accuracy() -> None:
    proc = run_cli("evaluate", "demo", "--data", "digits", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    from studio.zoo.demo import recorded_demo_accuracy

    assert result["accuracy"] >= 0.9
    assert result["accuracy"] == pytest.approx(recorded_demo_accuracy(), abs=1e-6)


def test_latency_json(tiny_onnx: Path) -> None:
    proc = run_cli("latency", str(tiny_onnx), "--json", "--repeats", "3")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["total_ms"] > 0
    assert data["layers_ms"]
    assert all(v >= 0 for v in data["layers_ms"].values())


def test_zoo_lists_the_required_architectures() -> None:
    proc = run_cli("zoo", "--json")
    assert proc.returncode == 0, proc.stderr
    names = {e["name"] for e in json.loads(proc.stdout)}
    assert {"lenet", "resnet18", "resnet20", "mobilenetv2", "mcunet", "digits-cnn"} <= names
    assert any(n.startswith("vgg") for n in names)


def test_building_the_cli_parser_imports_nothing_heavy() -> None:
    code = (
        "import sys; from studio.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in ('numpy', 'torch', 'onnx', 'qiskit', 'PySide6') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
