"""Reference pair potentials added to a fitted model (subtracted from the labels before fitting)."""

from .zbl import ZBL

__all__ = ["ZBL"]
