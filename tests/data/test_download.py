"""download_mlearn from a file:// mirror: checksums, atomic writes, no refetch."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from atomforge.data import read_frames
from atomforge.data.download import MLEARN_FILES, download_mlearn
from atomforge.errors import ConfigError, DataError


def digest(data: bytes):
    return len(data), hashlib.sha256(data).hexdigest()


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror" / "data"
    (root / "Mo").mkdir(parents=True)
    (root / "Mo" / "test.json").write_bytes(b"[1, 2, 3]")
    return root


def test_fetches_verifies_and_skips_present_files(mirror, tmp_path):
    files = {"Mo/test.json": digest(b"[1, 2, 3]")}
    dest = tmp_path / "local"
    (path,) = download_mlearn(dest, ["Mo"], base_url=mirror.as_uri(), files=files)
    assert path == dest / "Mo" / "test.json" and path.read_bytes() == b"[1, 2, 3]"
    (mirror / "Mo" / "test.json").unlink()  # a second call must not fetch again
    assert download_mlearn(dest, ["Mo"], base_url=mirror.as_uri(), files=files) == [path]


def test_checksum_mismatch_keeps_nothing(mirror, tmp_path):
    files = {"Mo/test.json": digest(b"[1, 2, 4]")}
    dest = tmp_path / "local"
    with pytest.raises(DataError, match=r"Mo/test\.json: got 9 bytes with SHA-256"):
        download_mlearn(dest, ["Mo"], base_url=mirror.as_uri(), files=files)
    assert list((dest / "Mo").iterdir()) == []


def test_missing_file_and_unknown_element(mirror, tmp_path):
    with pytest.raises(DataError, match=r"Si/test\.json: cannot fetch"):
        download_mlearn(tmp_path / "l", ["Si"], base_url=mirror.as_uri(),
                        files={"Si/test.json": (1, "0" * 64)})
    with pytest.raises(ConfigError, match="no files for elements \\['Ta'\\]"):
        download_mlearn(tmp_path / "l", ["Ta"], base_url=mirror.as_uri())


@pytest.mark.shared_data
def test_published_checksums_match_the_shared_copy(shared_data, tmp_path):
    """A mirror of the real Mo files passes the built-in checksum table and reads as data."""
    root = tmp_path / "mirror"
    for name in ("Mo/test.json", "Mo/training.json"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "mlearn" / name, root / name)
    paths = download_mlearn(tmp_path / "local", ["Mo"], base_url=root.as_uri())
    assert sorted(p.name for p in paths) == ["test.json", "training.json"]
    assert {k for k in MLEARN_FILES if k.startswith("Mo/")} == {"Mo/test.json", "Mo/training.json"}
    assert len(read_frames(tmp_path / "local" / "Mo" / "test.json")) == 23
