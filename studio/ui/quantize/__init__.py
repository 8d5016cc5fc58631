"""The Quantize stage: settings, per-layer bits table, histograms with clipping ranges, SQNR, bit-width curves,
before/after comparison. ``python -m studio.ui.quantize.panel`` opens it on the demo."""
