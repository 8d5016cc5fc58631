"""Model optimisation methods (pruning, quantization, architecture search, distillation), Qt-free."""
