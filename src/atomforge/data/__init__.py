"""Reference data: frames, data sets, readers and writers."""

from .dataset import Dataset
from .frame import Frame, validate_frame
from .io import FORMATS, detect_format, read_frames, write_extxyz

__all__ = ["FORMATS", "Dataset", "Frame", "detect_format", "read_frames", "validate_frame",
           "write_extxyz"]
