"""Quantization methods: linear (PTQ, QAT) with calibration, k-means weight sharing, mixed precision.

Each method is a small frozen config plus a registered handler; all are Qt-free and import torch lazily.
"""
