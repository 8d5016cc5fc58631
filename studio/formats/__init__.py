"""One reader per model format, all producing :class:`studio.graph.Graph` (and a torch module where possible)."""
