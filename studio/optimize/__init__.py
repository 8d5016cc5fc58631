"""Model optimizations (pruning, quantization, ...): each method a small frozen config plus a registered handler."""
