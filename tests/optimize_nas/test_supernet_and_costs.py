"""The supernet runs every subnet; an extracted subnet computes the same function; costs match the traced model."""

from __future__ import annotations

import random

import pytest
import torch

from studio.optimize.nas.arch import largest_arch, sample_arch, smallest_arch
from studio.optimize.nas.costs import subnet_costs, subnet_graph
from studio.optimize.nas.subnet import extract_subnet
from studio.optimize.nas.supernet import Supernet, images_at


def test_extracted_subnet_equals_the_active_supernet(tiny_space) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    net = Supernet(tiny_space, 1, 10)
    # Give batch norms non-trivial statistics so a wrong slice would show.
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.rand(16, 1, 12, 12))
    net.eval()
    rng = random.Random(0)
    for arch in [largest_arch(tiny_space), smallest_arch(tiny_space)] + [
        sample_arch(tiny_space, rng) for _ in range(4)
    ]:
        net.set_active(arch)
        x = torch.rand(3, 1, arch.resolution, arch.resolution)
        sub = extract_subnet(net, arch)
        assert torch.allclose(net(x), sub(x), atol=1e-5), arch.key()
        assert not any("Elastic" in type(m).__name__ for m in sub.modules())


def test_kernel_transform_makes_small_kernels_their_own(tiny_space) -> None:  # type: ignore[no-untyped-def]
    net = Supernet(tiny_space, 1, 10)
    dw = net.stages[0][0].depthwise
    full = dw.weight[:4]
    with torch.no_grad():
        dw.transforms["5to3"].mul_(2.0)
    small = dw.active_weight(4, 3)
    assert torch.allclose(small, 2.0 * full[:, :, 1:4, 1:4])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_graph_costs_match_the_traced_standalone_subnet(tiny_space, seed: int) -> None:  # type: ignore[no-untyped-def]
    from studio.analysis.profile import profile_graph
    from studio.workflows.model_handle import loaded_from_module

    arch = sample_arch(tiny_space, random.Random(seed))
    sub = extract_subnet(Supernet(tiny_space, 1, 10), arch)
    costs = subnet_costs(tiny_space, arch, 1, 10)
    assert costs.params == sum(p.numel() for p in sub.parameters())
    traced = loaded_from_module(sub, (1, 1, arch.resolution, arch.resolution), name="sub")
    profile = profile_graph(traced.graph)
    assert costs.macs == profile.total.macs
    conv_names = {n.module for n in traced.graph.nodes if n.op == "Conv"}
    ours = {n.name for n in subnet_graph(tiny_space, arch, 1, 10).nodes if n.op == "Conv"}
    assert ours == conv_names  # the cost graph names layers like the module the user gets
    # int8 deployed form: fused layers and 1-byte activations need less than the float, unfused trace.
    assert 0 < costs.peak_sram_bytes < profile.total.peak_activation_bytes
    assert costs.flash_bytes < profile.total.weight_bytes


def test_costs_grow_with_the_network(tiny_space) -> None:  # type: ignore[no-untyped-def]
    small = subnet_costs(tiny_space, smallest_arch(tiny_space), 1, 10)
    big = subnet_costs(tiny_space, largest_arch(tiny_space), 1, 10)
    assert small.macs < big.macs and small.params < big.params
    assert small.peak_sram_bytes < big.peak_sram_bytes and small.flash_bytes < big.flash_bytes


def test_images_at_resizes_only_when_needed() -> None:
    x = torch.rand(2, 1, 12, 12)
    assert images_at(x, 12) is x
    assert images_at(x, 8).shape == (2, 1, 8, 8)
