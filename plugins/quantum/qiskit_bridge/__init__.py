"""Conversions to and from qiskit, transpilation to devices, and runs on qiskit-aer."""
