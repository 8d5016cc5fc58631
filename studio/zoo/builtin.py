"""The built-in architectures, registered by name when :mod:`studio.zoo.registry` is first asked.

Why each builder imports its module inside: the architecture modules import torch at the top, and listing the
zoo (the CLI's ``zoo`` command, the GUI's "Open state_dict" dialog) must not pay for torch.
"""

from __future__ import annotations

from typing import Any

from studio.zoo.registry import ZooEntry, register


def _lenet(**kwargs: Any) -> Any:
    from studio.zoo.lenet import build_lenet

    return build_lenet(**kwargs)


def _vgg11(**kwargs: Any) -> Any:
    from studio.zoo.vgg import build_vgg11

    return build_vgg11(**kwargs)


def _vgg16(**kwargs: Any) -> Any:
    from studio.zoo.vgg import build_vgg16

    return build_vgg16(**kwargs)


def _resnet18(**kwargs: Any) -> Any:
    from studio.zoo.resnet import build_resnet18

    return build_resnet18(**kwargs)


def _resnet20(**kwargs: Any) -> Any:
    from studio.zoo.resnet import build_resnet20

    return build_resnet20(**kwargs)


def _resnet50(**kwargs: Any) -> Any:
    from studio.zoo.resnet import build_resnet50

    return build_resnet50(**kwargs)


def _mobilenetv2(**kwargs: Any) -> Any:
    from studio.zoo.mobilenetv2 import build_mobilenetv2

    return build_mobilenetv2(**kwargs)


def _mcunet(**kwargs: Any) -> Any:
    from studio.zoo.mcunet import build_mcunet

    return build_mcunet(**kwargs)


def _digits_cnn(**kwargs: Any) -> Any:
    from studio.zoo.digits_cnn import build_digits_cnn

    return build_digits_cnn(**kwargs)


BUILTIN_ENTRIES: tuple[ZooEntry, ...] = (
    ZooEntry("lenet", _lenet, (1, 32, 32), "LeNet-5, 62k params (num_classes, in_channels)"),
    ZooEntry("vgg11", _vgg11, (3, 32, 32), "VGG-11 with BN, CIFAR head, 9.2M params (also valid at 224)"),
    ZooEntry("vgg16", _vgg16, (3, 32, 32), "VGG-16 with BN, CIFAR head, 14.7M params (also valid at 224)"),
    ZooEntry("resnet18", _resnet18, (3, 224, 224), "ResNet-18, ImageNet, 11.7M params (torchvision names)"),
    ZooEntry("resnet20", _resnet20, (3, 32, 32), "ResNet-20, CIFAR, 0.27M params"),
    ZooEntry("resnet50", _resnet50, (3, 224, 224), "ResNet-50, ImageNet, 25.6M params, 4.1 GMACs"),
    ZooEntry("mobilenetv2", _mobilenetv2, (3, 224, 224), "MobileNetV2, 3.5M params at width_mult 1.0"),
    ZooEntry("mcunet", _mcunet, (3, 96, 96), "MCUNet-style net, 0.5M params (width_mult, resolution)"),
    ZooEntry("digits-cnn", _digits_cnn, (1, 8, 8), "the demo CNN for 8x8 digits, 19k params"),
)

for _entry in BUILTIN_ENTRIES:
    register(_entry)
