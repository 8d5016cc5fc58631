"""Data sets the studio evaluates, calibrates and fine-tunes on: digits, image folders, .npz files."""
