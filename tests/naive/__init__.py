"""Slow, obviously correct NumPy references for the kernels of atomforge."""
