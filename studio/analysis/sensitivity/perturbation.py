"""What a scan does to one layer at one level: the :class:`Perturbation` interface and its registry.

Why a tiny interface: pruning (sparsity), quantization (bit width) and anything else that degrades a layer's
weights share the whole scan engine; a new kind only says how to change the weights. A perturbation never
mutates the model: it returns replacement tensors, which the engine passes in functionally. That keeps a
scan thread-safe (two layers can be evaluated at once) and the model untouched if a scan is cancelled.

To add one (e.g. "quantize weights to b bits")::

    class WeightBits(WeightPerturbation):
        name = "bits"
        label = "weight bits"
        def transform(self, weight, level):
            return fake_quantize(weight, int(level))
        def is_identity(self, level):
            return level >= 32

    register_perturbation("bits", WeightBits)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from studio.core.errors import StudioError

if TYPE_CHECKING:
    import torch
    from torch import nn


#: What :meth:`WeightPerturbation.for_layer` returns: replacement tensors for one layer at a level.
LevelFunction = Callable[[float], "dict[str, torch.Tensor]"]


def level_function(perturbation: Perturbation, layer: nn.Module) -> LevelFunction:
    """``perturbation.for_layer(layer)`` when it has one, else ``level -> perturbation.perturbed(layer, level)``
    (a plain :class:`Perturbation` need not share work between levels)."""
    prepare = getattr(perturbation, "for_layer", None)
    if prepare is not None:
        return prepare(layer)  # type: ignore[no-any-return]
    return lambda level: perturbation.perturbed(layer, level)


class PerturbationError(StudioError):
    """An unknown perturbation name or a level outside what the perturbation accepts."""


@runtime_checkable
class Perturbation(Protocol):
    """Changes one layer's weights for a level, without touching the layer.

    ``name`` is the registry key ("sparsity", "bits"); ``label`` the x-axis title of the curves.
    """

    name: str
    label: str

    def check(self, layer: nn.Module) -> str | None:
        """``None`` if ``layer`` can be perturbed, else the one-line reason it is skipped."""
        ...

    def is_identity(self, level: float) -> bool:
        """True when ``level`` leaves the weights exactly as they are (the scan reuses the dense result)."""
        ...

    def perturbed(self, layer: nn.Module, level: float) -> dict[str, torch.Tensor]:
        """Replacement tensors by parameter name (``{"weight": ...}``) for ``layer`` at ``level``.

        Raises :class:`PerturbationError` for a level the perturbation cannot apply.
        """
        ...


class WeightPerturbation:
    """Base for perturbations of a layer's ``weight`` alone: subclasses implement :meth:`transform`."""

    name: ClassVar[str] = "weight"
    label: ClassVar[str] = "level"

    def check(self, layer: nn.Module) -> str | None:
        weight = getattr(layer, "weight", None)
        if weight is None or not hasattr(weight, "dim"):
            return "has no weight tensor"
        if weight.dim() < 2:
            return "its weight is a vector (normalisation or scale), not a kernel"
        return None

    def is_identity(self, level: float) -> bool:
        return False

    def transform(self, weight: torch.Tensor, level: float) -> torch.Tensor:
        """The new weight (a new tensor; ``weight`` must not be changed)."""
        raise NotImplementedError

    def perturbed(self, layer: nn.Module, level: float) -> dict[str, torch.Tensor]:
        import torch

        with torch.no_grad():
            return {"weight": self.transform(layer.weight.detach(), float(level))}

    def for_layer(self, layer: nn.Module) -> LevelFunction:
        """``level -> perturbed(layer, level)``, with whatever one layer's levels share computed once.

        Subclasses override it when that saves work (magnitude sparsity sorts the weights once); the result
        for every level must equal :meth:`perturbed`'s exactly.
        """
        return lambda level: self.perturbed(layer, level)


class MagnitudeSparsity(WeightPerturbation):
    """Fine-grained magnitude pruning: the smallest ``level`` fraction of |w| becomes zero."""

    name: ClassVar[str] = "sparsity"
    label: ClassVar[str] = "sparsity"

    def is_identity(self, level: float) -> bool:
        return level <= 0.0

    def transform(self, weight: torch.Tensor, level: float) -> torch.Tensor:
        from studio.analysis.sensitivity.masks import magnitude_mask

        return weight * magnitude_mask(weight, check_fraction(level))

    def for_layer(self, layer: nn.Module) -> LevelFunction:
        import torch

        from studio.analysis.sensitivity.masks import magnitude_order, mask_from_order

        weight = layer.weight.detach()
        order = magnitude_order(weight)  # sorted once; each level's mask is a prefix of it

        def at(level: float) -> dict[str, torch.Tensor]:
            with torch.no_grad():
                return {"weight": weight * mask_from_order(order, check_fraction(float(level)), weight)}

        return at


class ChannelSparsity(WeightPerturbation):
    """Structured: the ``level`` fraction of output channels with the smallest L1 norm become zero."""

    name: ClassVar[str] = "channels"
    label: ClassVar[str] = "channel sparsity"

    def is_identity(self, level: float) -> bool:
        return level <= 0.0

    def transform(self, weight: torch.Tensor, level: float) -> torch.Tensor:
        from studio.analysis.sensitivity.masks import channel_mask

        return weight * channel_mask(weight, check_fraction(level))

    def for_layer(self, layer: nn.Module) -> LevelFunction:
        import torch

        from studio.analysis.sensitivity.masks import channel_mask_from_order, channel_order

        weight = layer.weight.detach()
        order = channel_order(weight)

        def at(level: float) -> dict[str, torch.Tensor]:
            with torch.no_grad():
                return {"weight": weight * channel_mask_from_order(order, check_fraction(float(level)), weight)}

        return at


def check_fraction(level: float) -> float:
    """``level`` if it is a fraction in [0, 1); raises :class:`PerturbationError` otherwise."""
    if not 0.0 <= level < 1.0:
        raise PerturbationError(f"sparsity must be at least 0 and below 1, got {level}")
    return float(level)


_REGISTRY: dict[str, Callable[..., Any]] = {}


def register_perturbation(name: str, factory: Callable[..., Any]) -> None:
    """Make ``factory(**options)`` available as :func:`make_perturbation` ``(name)`` (replaces a previous one)."""
    _REGISTRY[name] = factory


def known_perturbations() -> list[str]:
    """Registered perturbation names."""
    return sorted(_REGISTRY)


def make_perturbation(name: str, **options: Any) -> Perturbation:
    """A new perturbation by name; raises :class:`PerturbationError` listing the known ones."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise PerturbationError(f"unknown perturbation {name!r} (known: {', '.join(known_perturbations())})") from None
    return factory(**options)


register_perturbation(MagnitudeSparsity.name, MagnitudeSparsity)
register_perturbation(ChannelSparsity.name, ChannelSparsity)
