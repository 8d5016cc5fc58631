"""Quantization-aware training: fine-tune a linearly quantized model through its fake quantizers.

The forward pass sees quantized weights and activations; the backward pass uses the clipped
straight-through estimator (:func:`~studio.optimize.quantize.qparams.fake_quant`), so the float weights
move to where their quantized versions classify well. Weight grids follow the weights while training;
activation grids stay the calibrated ones. Runs as a process job (:func:`studio.workflows.quantize.qat_job`).
"""

from __future__ import annotations

import copy
from typing import Any

from studio.optimize.quantize.config import QATConfig
from studio.optimize.quantize.layers import UniformQuantLayer
from studio.optimize.quantize.qparams import QuantConfigError
from studio.optimize.quantize.sim_model import QuantSimModel


def quantization_aware_training(sim: QuantSimModel, data: Any, config: QATConfig | None = None, ctx: Any = None) -> Any:
    """A fine-tuned copy of ``sim`` (which is not modified) after ``config.epochs`` on ``data``.

    Raises :class:`QuantConfigError` when ``sim`` has no linearly quantized layer (nothing to train for).
    """
    import torch

    from studio.train.loop import TrainingConfig, train_classifier

    config = config or QATConfig()
    if not isinstance(sim, QuantSimModel) or not any(isinstance(m, UniformQuantLayer) for m in sim.layers()):
        raise QuantConfigError("QAT needs a linearly quantized model: run PTQ (method linear) first")
    model = copy.deepcopy(sim)
    torch.manual_seed(config.seed)
    training = TrainingConfig(
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        seed=config.seed,
    )
    train_classifier(model, data, training, ctx=ctx)
    for layer in model.layers():
        if isinstance(layer, UniformQuantLayer):
            layer.refresh_grid()
    return model.eval()
