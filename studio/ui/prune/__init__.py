"""The Prune stage: sensitivity curves and heatmap, per-layer decisions, apply, fine-tune, compare."""
