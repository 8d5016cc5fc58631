"""Recipe steps that make a searched subnet or a distilled student the model: ``nas-subnet``, ``distill``.

Why the weights are a file the step names: replaying a recipe must give the same model, and retraining a
supernet or a student on replay would take minutes and depend on the machine. The steps save a plain
state_dict (loaded with ``torch.load(weights_only=True)``) plus the architecture, so reopening a project or
``tinyml-studio apply`` rebuilds the module and loads it. The incoming model is replaced, not changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.errors import StudioError
from studio.recipe.steps import StepEnv, register_step

if TYPE_CHECKING:
    from studio.formats.base import LoadedModel


def _load_weights(module: Any, path: str) -> Any:
    import torch

    weights = Path(path).expanduser()
    if not weights.exists():
        raise StudioError(f"the step's weights file is missing: {weights}")
    try:
        module.load_state_dict(torch.load(weights, weights_only=True))
    except Exception as exc:  # a wrong or damaged file: one line for the user
        raise StudioError(f"cannot load {weights.name} into the step's architecture: {type(exc).__name__}") from None
    return module.eval()


def nas_subnet_step(arch_json: str, space: dict[str, Any], in_channels: int, num_classes: int, weights: str) -> dict:
    """The recipe step recording "the model is this searched subnet with these weights"."""
    return {
        "kind": "nas-subnet",
        "arch": arch_json,
        "space": json.dumps(space),
        "in_channels": int(in_channels),
        "num_classes": int(num_classes),
        "weights": str(weights),
    }


def _apply_nas_subnet(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
    from studio.optimize.nas.arch import SubnetArch
    from studio.optimize.nas.space import space_from_dict
    from studio.optimize.nas.subnet import SearchedNet
    from studio.workflows.model_handle import loaded_from_module

    arch = SubnetArch.from_json(str(params["arch"]))
    space = space_from_dict(json.loads(str(params["space"])))
    c, classes = int(params["in_channels"]), int(params["num_classes"])
    module = _load_weights(SearchedNet(space, arch, c, classes), str(params["weights"]))
    return loaded_from_module(module, (1, c, arch.resolution, arch.resolution), name=f"searched {arch.key()}")


def _describe_nas_subnet(params: dict[str, Any]) -> str:
    from studio.optimize.nas.arch import SubnetArch

    try:
        return f"searched subnet {SubnetArch.from_json(str(params['arch'])).key()}"
    except StudioError:
        return "searched subnet"


def distill_step(student: str, in_channels: int, num_classes: int, weights: str, teacher_accuracy: float) -> dict:
    """The recipe step recording "the model is this distilled student with these weights"."""
    return {
        "kind": "distill",
        "student": student,
        "in_channels": int(in_channels),
        "num_classes": int(num_classes),
        "weights": str(weights),
        "teacher_accuracy": float(teacher_accuracy),
    }


def _apply_distill(model: LoadedModel, params: dict[str, Any], env: StepEnv) -> LoadedModel:
    from studio.optimize.distill.students import build_student
    from studio.workflows.model_handle import loaded_from_module

    module, shape, name = build_student(str(params["student"]), int(params["in_channels"]), int(params["num_classes"]))
    return loaded_from_module(_load_weights(module, str(params["weights"])), shape, name=f"distilled {name}")


register_step("nas-subnet", _apply_nas_subnet, _describe_nas_subnet)
register_step("distill", _apply_distill, lambda p: f"distilled student {p.get('student', '?')}")
