"""The Search stage: constrained architecture search (Pareto plot, trial table) and distillation."""
