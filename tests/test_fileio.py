"""Atomic writes: complete or absent, and with the permissions a normally opened file gets."""

from __future__ import annotations

import os
import stat

import pytest

from atomforge.fileio import temporary_path, write_atomically


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_written_files_follow_the_umask(tmp_path, umask):
    path = tmp_path / "out.json"
    write_atomically(path, lambda f: f.write(b"{}"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    reference = tmp_path / "plain.txt"
    reference.write_text("{}")  # what open() gives
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
    tmp = temporary_path(tmp_path / "other.h5")
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def fail(f):
        f.write(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomically(path, fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
