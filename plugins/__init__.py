"""First-party plugins of TinyML Studio.

Each subpackage registers itself through the ``tinyml_studio.plugins`` entry-point group (see pyproject.toml),
exactly as a third-party plugin would: the studio never imports anything from here directly.
"""
