"""K-means weight sharing with codebook fine-tuning (Han et al., Deep Compression, 2016).

Each conv/linear layer's weights are clustered into ``2**bits`` shared values (linear initialisation), the
model then stores a ``bits``-bit index per weight plus a small float codebook, and fine-tuning trains only
the codebooks (and biases). Activations stay float: this is weight compression, not integer arithmetic; the
result still lowers to int8 (:meth:`QuantSimModel.to_int8`) after a calibration.
"""

from __future__ import annotations

from typing import Any

from studio.optimize.quantize.config import KMeansConfig
from studio.optimize.quantize.layers import FLOAT_BITS, FloatLayer, KMeansQuantLayer
from studio.optimize.quantize.sim_model import QuantSimModel


def kmeans_quantize(
    module: Any,
    input_shape: tuple[int, ...],
    config: KMeansConfig | None = None,
    train_data: Any = None,
    name: str = "model",
    ctx: Any = None,
) -> QuantSimModel:
    """Cluster every layer's weights of ``module`` (not modified), then fine-tune the codebooks on
    ``train_data`` (a :class:`~studio.data.datasets.Dataset`) for ``config.fine_tune_epochs``.

    Raises :class:`~studio.optimize.quantize.qparams.QuantConfigError` when fine-tuning is asked for without
    data, and :class:`~studio.int8.float_graph.LoweringError` for a layer that cannot be quantized.
    """
    from studio.optimize.quantize.ptq import float_graph_of
    from studio.optimize.quantize.qparams import QuantConfigError

    config = config or KMeansConfig()
    graph = float_graph_of(module, input_shape, name)

    def factory(op: Any) -> Any:
        bits = config.bits_for(op.name)
        if bits >= FLOAT_BITS:
            return FloatLayer(op, op.weight, op.bias)
        return KMeansQuantLayer(op, op.weight, op.bias, bits, config.iterations)

    sim = QuantSimModel(graph, factory)
    if isinstance(module, QuantSimModel) and module.act_qparams is not None:
        sim.set_activation_grid(module.act_qparams, module.act_bits)
    if config.fine_tune_epochs:
        if train_data is None:
            raise QuantConfigError("k-means fine-tuning needs training data (or fine_tune_epochs = 0)")
        fine_tune(sim, train_data, config.fine_tune_epochs, config.learning_rate, config.seed, ctx)
    return sim.eval()


def fine_tune(sim: QuantSimModel, data: Any, epochs: int, learning_rate: float, seed: int, ctx: Any = None) -> Any:
    """Train ``sim``'s parameters (codebooks, or the weights of uniform layers in QAT) in place with the
    studio's training loop; returns its :class:`~studio.train.loop.TrainingReport`."""
    import torch

    from studio.train.loop import TrainingConfig, train_classifier

    torch.manual_seed(seed)
    config = TrainingConfig(epochs=epochs, learning_rate=learning_rate, weight_decay=0.0, seed=seed)
    report = train_classifier(sim, data, config, ctx=ctx)
    sim.eval()
    return report
