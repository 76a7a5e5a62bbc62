"""Fetch the public mlearn benchmark data (Zuo et al., J. Phys. Chem. A 124, 731 (2020)).

For users without this repository's ``../shared/data``: :func:`download_mlearn` copies
``data/<El>/{training,test}.json`` from the mlearn GitHub repository (BSD-3-Clause, Materials
Virtual Lab) into a local folder, checks every file's size and SHA-256 against
:data:`MLEARN_FILES`, and writes each file atomically (temporary file, then rename), so an
interrupted download leaves no partial file. Files already present with the right checksum are
not fetched again.

The public repository lacks ``Ni/training.json`` and ``Cu/training.json``; only their test sets
can be fetched (``../shared/data/mlearn/README.md`` describes the substitute extended XYZ files).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import ConfigError, DataError
from ..fileio import temporary_path

#: Raw files at the commit the shared data was taken from.
MLEARN_BASE_URL = ("https://raw.githubusercontent.com/materialsvirtuallab/mlearn/"
                   "10c427a5480c6281c15c64efaf869b03be04818f/data")

#: "<El>/<file>" → (size in bytes, SHA-256 hex).
MLEARN_FILES: dict[str, tuple[int, str]] = {
    "Cu/test.json": (608400, "1805a315ce8d0ce4a18bb761df4c4f619909ce114d598d426015d0071edc98c2"),
    "Ge/test.json": (311848, "737ea6159c9dd27ebee7fb8ffae22f15e20466884927771248ca4f5b2cd3f093"),
    "Li/test.json": (279684, "554d0ce60b35a07b357be3a80bf04f68eb8fc97b5a88328caf08c860b5e9b260"),
    "Mo/test.json": (250629, "68169e2927c2115daa2f504805fcb9548ee65daf2dd015428807ba92f8e13bb8"),
    "Ni/test.json": (611126, "dccbfa14ddff5d1d35f658c48b68f6b431f95496a5261ef8b8f4d1d41e36008a"),
    "Si/test.json": (309803, "d452b30a89f23bff76f7cc529b7b6c2d159ea81ccd5a4599fb1a18207654fa91"),
    "Ge/training.json": (2796663,
                         "43dee02009a5167f94c7aafce19051222bcfc328c46181750cc2a2018187ca00"),
    "Li/training.json": (2446522,
                         "1cac01475c5a4fb85771ee1fd23366a6b8abfb9891e0c9e088b6e37228e147b3"),
    "Mo/training.json": (2127325,
                         "b13305fca0d0d2631ab080c8fcf13c743ee79a911712fb65a34ca88fadf09f9a"),
    "Si/training.json": (2669946,
                         "ae6d4b0a65b00e0fcf7ba0a6fad366716710d2f0d21d70199203089c6866b500"),
}
ELEMENTS = ("Ni", "Cu", "Li", "Mo", "Si", "Ge")


def download_mlearn(dest, elements=ELEMENTS, *, base_url: str = MLEARN_BASE_URL,
                    files: dict[str, tuple[int, str]] | None = None,
                    timeout: float = 60.0) -> list[Path]:
    """Fetch the mlearn JSON files of ``elements`` into ``dest/<El>/``.

    Parameters
    ----------
    dest : path-like
        Local folder (created if needed).
    elements : sequence of str
        Any of Ni, Cu, Li, Mo, Si, Ge.
    base_url : str
        URL of the ``data`` folder (``https://``, or ``file://`` for a local mirror).
    files : dict, optional
        ``"<El>/<name>" → (size, sha256)`` to fetch instead of :data:`MLEARN_FILES`.
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    list of Path
        The local files, in the order of ``files``.

    Raises
    ------
    DataError
        A file that cannot be fetched, or whose size or checksum is wrong (nothing is kept).
    """
    table = MLEARN_FILES if files is None else files
    unknown = sorted(set(elements) - {k.split("/")[0] for k in table})
    if unknown:
        raise ConfigError(f"download_mlearn: no files for elements {unknown}; known: "
                          f"{sorted({k.split('/')[0] for k in table})}")
    dest = Path(dest)
    out = []
    for name, (size, sha256) in table.items():
        if name.split("/")[0] not in elements:
            continue
        target = dest / name
        if not (target.is_file() and _digest(target) == (size, sha256)):
            _fetch(f"{base_url.rstrip('/')}/{name}", target, size, sha256, timeout)
        out.append(target)
    return out


def _fetch(url: str, target: Path, size: int, sha256: str, timeout: float) -> None:
    tmp = temporary_path(target)
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as f:
                shutil.copyfileobj(response, f)
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise DataError(f"cannot fetch ({err}); check the address and the network, or copy "
                            "the file by hand", source=url) from err
        got = _digest(tmp)
        if got != (size, sha256):
            raise DataError(f"got {got[0]} bytes with SHA-256 {got[1][:12]}…, expected {size} "
                            f"bytes with {sha256[:12]}…; the file on the server changed or the "
                            "transfer was cut", source=url)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return path.stat().st_size, h.hexdigest()
