"""Mixed precision: the per-layer bit-width scan job and the bit allocation for a size target.

The Quantize stage runs :func:`bit_scan_job` as a process job and draws its curves; allocating bits is
instant (:func:`allocate_for_target`), and applying them is an ordinary ``quantize`` step with ``layer_bits``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.core.jobs import JobContext
    from studio.formats.base import LoadedModel
    from studio.workflows.model_handle import ModelHandle


def bit_scan_loaded(model: LoadedModel, data_spec: str, params: dict[str, Any], ctx: JobContext | None = None) -> dict:
    """The :class:`~studio.optimize.quantize.sensitivity.BitScanResult` of ``model`` as a dict.

    ``params`` are :class:`~studio.optimize.quantize.sensitivity.BitScanConfig` fields. Raises
    :class:`~studio.core.errors.StudioError` for a model without a torch module or bad parameters.
    """
    from studio.core.errors import StudioError
    from studio.optimize.quantize.config import config_from_dict
    from studio.optimize.quantize.sensitivity import BitScanConfig, bit_sensitivity_scan
    from studio.workflows.quantize import prepare_data

    if model.module is None or model.input_shape is None:
        raise StudioError(f"{model.display_name}: the bit-width scan needs a torch model")
    config = config_from_dict(BitScanConfig, dict(params))
    data = prepare_data(data_spec, model.input_shape, 1)
    return bit_sensitivity_scan(model.module, model.input_shape, data.val, config, ctx).to_dict()


def bit_scan_job(ctx: JobContext, handle: ModelHandle, data_spec: str, params: dict[str, Any]) -> dict[str, Any]:
    """Process-runner job around :func:`bit_scan_loaded`."""
    from studio.workflows.model_handle import as_handle

    return bit_scan_loaded(as_handle(handle).load(), data_spec, params, ctx)


def scan_from_dict(data: dict[str, Any]) -> Any:
    """A :class:`~studio.optimize.quantize.sensitivity.BitScanResult` back from :meth:`to_dict`."""
    from studio.optimize.quantize.sensitivity import BitScanResult, LayerCurve

    curves = [LayerCurve(**c) for c in data["curves"]]
    return BitScanResult(float(data["baseline"]), int(data["samples"]), curves)


def allocate_for_target(scan: dict[str, Any], target_bytes: int) -> dict[str, Any]:
    """Per-layer bits for ``target_bytes`` from a scan dict (see :func:`allocate_bits`)."""
    from studio.optimize.quantize.allocation import allocate_bits

    return allocate_bits(scan_from_dict(scan), target_bytes).to_dict()
