"""Pruning: fine-grained magnitude, channel (dependency-aware, really removes channels) and N:M sparsity.

Each method is a frozen config (:mod:`.config`) with a handler registered in :mod:`.registry`;
:func:`~.registry.prune_module` applies any of them and returns a :class:`~.report.PruneReport` that lists
every layer it changed and every layer it left alone, with the reason. :mod:`.allocate` turns sensitivity
curves and a target (sparsity, size, MACs or an allowed accuracy drop) into per-layer sparsities, and
:mod:`.search` runs the iterative NetAdapt-style search.

To add a method: a frozen dataclass config with a ``method`` ClassVar, a handler
``fn(module, config, example_input) -> PruneReport`` decorated with ``@register_method(Config)``, and an
entry in :data:`~.registry.METHOD_MODULES`.
"""
