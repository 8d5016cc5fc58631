"""TinyML Studio: inspect, compress and deploy neural networks for microcontrollers.

Every package here except :mod:`studio.ui` (and the composition root :mod:`studio.app`) is Qt-free, so the
CLI, the tests and a cluster worker share one code path with the GUI.
"""

__version__ = "0.1.0"
