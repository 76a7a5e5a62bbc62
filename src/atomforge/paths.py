"""Where atomforge finds the public reference data sets.

One setting: the environment variable ``ATOMFORGE_DATA``. Without it, ``../shared/data``
relative to the working directory, then relative to the source checkout, is used.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "ATOMFORGE_DATA"


def data_dir() -> Path:
    """The reference data directory (it may not exist; callers check and explain)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    candidates = [Path.cwd() / ".." / "shared" / "data",
                  Path(__file__).resolve().parents[3] / "shared" / "data"]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return candidates[0]
