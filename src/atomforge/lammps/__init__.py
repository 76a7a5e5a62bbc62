"""LAMMPS: potential file writers and readers, and a small session driver for checks."""
