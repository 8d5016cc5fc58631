"""Channel-pruning predictions count what removed channels take along (batch norms, the next layers' inputs,
residual partners, concatenation slices) and match the model measured after applying, exactly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import torch

from studio.analysis.profile import profile_graph
from studio.optimize.prune.channel_costs import ChannelStructure, channel_structure
from studio.optimize.prune.predict import model_costs, predict
from studio.optimize.prune.targets import kernel_layers
from studio.workflows.model_handle import loaded_from_module
from studio.workflows.prune import prune_loaded
from tests.sensitivity.nets import SkipNet, seeded


def _demo() -> torch.nn.Module:
    from studio.zoo.digits_cnn import build_digits_cnn

    torch.manual_seed(0)
    return build_digits_cnn().eval()


def _resnet20() -> torch.nn.Module:
    from studio.zoo import registry

    torch.manual_seed(0)
    return registry.build("resnet20", num_classes=10).eval()


CASES = [
    ("demo", _demo, (1, 1, 8, 8), {"conv1": 0.5, "conv2": 0.5, "conv3": 0.5}),
    ("demo-mixed", _demo, (1, 1, 8, 8), {"conv1": 0.25, "conv3": 0.7}),
    ("skipnet", lambda: seeded(SkipNet()), (1, 3, 8, 8), {"stem": 0.5, "conv1": 0.25, "branch": 0.5}),
    ("resnet20", _resnet20, (1, 3, 16, 16), "alternating"),
]


@pytest.mark.parametrize(("name", "build", "shape", "sparsities"), CASES, ids=[c[0] for c in CASES])
def test_channel_prediction_equals_the_pruned_model(
    name: str, build: Callable[[], torch.nn.Module], shape: tuple[int, ...], sparsities: dict[str, float] | str
) -> None:
    model = loaded_from_module(build(), shape, name=name)
    names = kernel_layers(model.module)
    if sparsities == "alternating":  # residual stages get the ratio of their first layer, as Torch-Pruning does
        sparsities = {n: (0.3 if i % 2 else 0.6) for i, n in enumerate(names)}
    costs = model_costs(profile_graph(model.graph), model.module, names)
    structure = channel_structure(model.module, torch.zeros(*shape))
    assert structure is not None
    with_deps = dataclasses.replace(costs, channels=structure)
    predicted = predict(with_deps, sparsities, method="channel")
    naive = predict(costs, sparsities, method="channel")  # without the structure: the pruned layers alone
    pruned, _report = prune_loaded(model, {"method": "channel", "sparsities": sparsities})
    measured = profile_graph(pruned.graph).total
    assert (predicted.params, predicted.macs, predicted.size_bytes) == (
        measured.params,
        measured.macs,
        measured.weight_bytes,
    )
    assert naive.params > measured.params and naive.macs > measured.macs  # the old estimate under-promised
    assert predicted.sparsity > naive.sparsity
    assert ChannelStructure.from_dict(structure.to_dict()) == structure  # JSON-able for jobs and projects
    assert next(model.module.parameters()).shape == next(build().parameters()).shape  # the model is untouched


def test_other_methods_and_unfollowable_models_keep_the_per_layer_prediction() -> None:
    model = loaded_from_module(_demo(), (1, 1, 8, 8), name="demo")
    costs = model_costs(profile_graph(model.graph), model.module, kernel_layers(model.module))
    structure = channel_structure(model.module, torch.zeros(1, 1, 8, 8))
    with_deps = dataclasses.replace(costs, channels=structure)
    sparsities = {"conv2": 0.5}
    assert predict(with_deps, sparsities, method="magnitude") == predict(costs, sparsities, method="magnitude")
    assert predict(with_deps, sparsities, method="magnitude").params == costs.params - 0.5 * 4608
    exported = torch.export.export(_demo(), (torch.zeros(1, 1, 8, 8),), strict=False).module()
    assert channel_structure(exported, torch.zeros(1, 1, 8, 8)) is None  # the method does not resize those
