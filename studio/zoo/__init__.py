"""Architectures built in plain torch (no torchvision, no downloaded weights), looked up by name."""
