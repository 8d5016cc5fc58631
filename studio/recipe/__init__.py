"""Recipes: the declarative steps a project records and ``tinyml-studio apply`` replays.

A step is a plain dict with a ``kind`` ("prune", "quantize", "finetune" ...) and that kind's parameters. Each
kind is registered once (:func:`studio.recipe.steps.register_step`) by the package that implements it, so the
GUI (which records steps), the CLI (which replays them) and project files agree on one vocabulary.
"""
