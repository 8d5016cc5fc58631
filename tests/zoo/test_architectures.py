"""The zoo's architectures: published parameter counts, torchvision-compatible names, output shapes, MACs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from studio.core.errors import StudioError
from studio.zoo import registry

REQUIRED = {
    "lenet",
    "vgg11",
    "vgg16",
    "resnet18",
    "resnet20",
    "resnet50",
    "mobilenetv2",
    "mcunet",
    "digits-cnn",
}
# Entries whose forward at the full input shape is too slow for the fast suite (hundreds of MFLOPs or more).
HEAVY = {"resnet18", "resnet50", "mobilenetv2", "vgg16"}


def param_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def build_on_meta(name: str, **kwargs: object) -> nn.Module:
    # Meta tensors have shapes but no storage: counting 25M parameters costs nothing.
    with torch.device("meta"):
        return registry.build(name, **kwargs)


def test_every_required_architecture_is_registered() -> None:
    assert set(registry.names()) >= REQUIRED
    for name in REQUIRED:
        entry = registry.get(name)
        assert len(entry.input_shape) == 3
        assert entry.description


def test_unknown_architecture_is_a_user_error_listing_the_known_ones() -> None:
    with pytest.raises(StudioError, match="resnet18"):
        registry.get("resnet19")


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("resnet18", {}, 11_689_512),
        ("resnet50", {}, 25_557_032),
        ("mobilenetv2", {}, 3_504_872),
        ("mobilenetv2", {"width_mult": 0.5}, 1_968_680),
    ],
)
def test_published_parameter_counts(name: str, kwargs: dict[str, object], expected: int) -> None:
    assert param_count(build_on_meta(name, **kwargs)) == expected


def test_small_networks_have_their_expected_sizes() -> None:
    assert 260_000 < param_count(registry.build("resnet20")) < 280_000
    assert 10_000 <= param_count(registry.build("digits-cnn")) <= 30_000
    assert param_count(registry.build("lenet")) == 61_706
    assert param_count(build_on_meta("mcunet")) < 1_000_000


def test_num_classes_changes_only_the_classifier() -> None:
    base = param_count(build_on_meta("resnet18"))
    ten = param_count(build_on_meta("resnet18", num_classes=10))
    assert base - ten == 990 * 512 + 990


def test_parameter_names_match_torchvision_layouts() -> None:
    resnet = build_on_meta("resnet50").state_dict()
    assert {"conv1.weight", "layer1.0.downsample.0.weight", "layer4.2.bn3.running_var", "fc.bias"} <= set(resnet)
    mobile = build_on_meta("mobilenetv2").state_dict()
    assert {
        "features.0.0.weight",
        "features.1.conv.0.0.weight",
        "features.18.1.bias",
        "classifier.1.weight",
    } <= set(mobile)
    assert tuple(mobile["features.17.conv.2.weight"].shape) == (320, 960, 1, 1)


@pytest.mark.parametrize("name", sorted(REQUIRED - HEAVY))
def test_forward_shape_at_default_input(name: str) -> None:
    entry = registry.get(name)
    model = entry.build(num_classes=7).eval()
    with torch.no_grad():
        out = model(torch.zeros(2, *entry.input_shape))
    assert tuple(out.shape) == (2, 7)


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_heavy_networks_run_on_a_small_input(name: str) -> None:
    model = registry.build(name, num_classes=5).eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 64, 64))
    assert tuple(out.shape) == (1, 5)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HEAVY))
def test_heavy_networks_forward_at_default_input(name: str) -> None:
    entry = registry.get(name)
    model = entry.build().eval()
    with torch.no_grad():
        out = model(torch.zeros(1, *entry.input_shape))
    assert out.shape[0] == 1 and out.ndim == 2


def test_vgg_is_valid_at_224() -> None:
    model = build_on_meta("vgg11", num_classes=10)
    out = model(torch.zeros(1, 3, 224, 224, device="meta"))
    assert tuple(out.shape) == (1, 10)


def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of conv and linear layers, from output shapes seen by forward hooks."""
    total = 0

    def hook(module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kernel = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * kernel
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    try:
        model(torch.zeros(1, *input_shape, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return total


def test_resnet50_costs_about_4_1_gmacs_at_224() -> None:
    macs = count_macs(build_on_meta("resnet50"), (3, 224, 224))
    assert 4.05e9 < macs < 4.15e9


def test_mobilenetv2_costs_about_300_mmacs_at_224() -> None:
    macs = count_macs(build_on_meta("mobilenetv2"), (3, 224, 224))
    assert 290e6 < macs < 320e6


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (3, 96, 96)),
        ({"in_channels": 1, "resolution": 32}, (1, 32, 32)),
        ({"width_mult": 0.5}, (3, 96, 96)),
    ],
)
def test_mcunet_follows_its_width_and_resolution(kwargs: dict[str, int], shape: tuple[int, ...]) -> None:
    entry = registry.get("mcunet")
    assert entry.input_shape_for(**kwargs) == shape
    model = entry.build(**kwargs).eval()
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, *shape)).shape) == (1, 10)


def test_mcunet_width_scales_its_size() -> None:
    assert param_count(build_on_meta("mcunet", width_mult=0.5)) < param_count(build_on_meta("mcunet")) / 2


def test_in_channels_is_honoured() -> None:
    for name in ("lenet", "resnet20", "vgg11", "digits-cnn"):
        entry = registry.get(name)
        model = entry.build(in_channels=3).eval()
        shape = entry.input_shape_for(in_channels=3)
        with torch.no_grad():
            assert model(torch.zeros(1, *shape)).shape[1] == 10


def test_invalid_width_is_rejected() -> None:
    with pytest.raises(ValueError, match="width_mult"):
        registry.build("mobilenetv2", width_mult=0)
