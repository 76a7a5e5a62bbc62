"""Reference data: frames, data sets, readers and writers."""

from .dataset import Dataset
from .frame import Frame, validate_frame

__all__ = ["Dataset", "Frame", "validate_frame"]
