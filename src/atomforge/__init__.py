"""atomforge: interatomic potentials from first-principles data, and the design of that data."""

__version__ = "0.1.0"

from .data import Dataset, Frame  # noqa: E402
from .errors import AtomforgeError  # noqa: E402
from .potential import Potential, load  # noqa: E402

__all__ = ["AtomforgeError", "Dataset", "Frame", "Potential", "load", "__version__"]
