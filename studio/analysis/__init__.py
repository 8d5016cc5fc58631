"""Measurements of a model: per-layer cost (profile), latency, accuracy (evaluate)."""
