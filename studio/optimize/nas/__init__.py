"""Once-for-all style architecture search: a search space, a weight-sharing supernet trained by progressive
shrinking, subnet costs under MCU limits, evolutionary and random search, and standalone subnets.

Modules (one concept each): :mod:`.space` (the space and its TOML file), :mod:`.arch` (one subnet's choices),
:mod:`.elastic` and :mod:`.supernet` (the weight-sharing network), :mod:`.subnet` (a standalone subnet),
:mod:`.costs` (MACs, params, flash, peak SRAM), :mod:`.latency_table`, :mod:`.constraints`,
:mod:`.progressive` (supernet training), :mod:`.trial_eval`, :mod:`.search` (strategies),
:mod:`.executors` and :mod:`.ray_backend` (where trials run), :mod:`.recipe_steps`.
"""
