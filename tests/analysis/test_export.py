"""CSV and JSON export of a profile, read back."""

from __future__ import annotations

import json
from pathlib import Path

from studio.analysis.export import profile_to_csv, profile_to_json, read_profile_csv
from studio.analysis.profile import profile_graph
from studio.formats.torch_graph import graph_from_module
from tests.analysis.small_nets import SmallConvNet, small_input


def _profile() -> object:
    graph = graph_from_module(SmallConvNet(), small_input(), "small")
    return profile_graph(graph).with_latency({"conv": 0.125, "__total__": 0.5})


def test_csv_round_trip(tmp_path: Path) -> None:
    profile = _profile()
    path = tmp_path / "p.csv"
    profile_to_csv(profile, path)
    layers, total = read_profile_csv(path)
    assert [r["name"] for r in layers] == [layer.name for layer in profile.layers]
    assert [int(r["macs"]) for r in layers] == [layer.macs for layer in profile.layers]
    assert layers[0]["output_shape"] == "1x8x8x8" and float(layers[0]["latency_ms"]) == 0.125
    assert layers[1]["latency_ms"] == ""
    assert int(total["params"]) == profile.total.params
    assert int(total["activation_bytes"]) == profile.total.peak_activation_bytes
    assert float(total["latency_ms"]) == 0.5


def test_json_round_trip(tmp_path: Path) -> None:
    profile = _profile()
    path = tmp_path / "p.json"
    profile_to_json(profile, path)
    assert json.loads(path.read_text()) == profile.to_dict()
