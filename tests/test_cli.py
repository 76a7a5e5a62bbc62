"""The command line: every verb documents itself, and errors print one line with status 2."""

import os
import subprocess
import sys
from pathlib import Path

import atomforge
from atomforge.cli import app

#: Run the subprocess on this checkout's sources, not on whatever atomforge is installed.
ENV = {**os.environ, "PYTHONPATH": str(Path(atomforge.__file__).resolve().parents[1])}


def _run(*args):
    return subprocess.run([sys.executable, "-c", "from atomforge.cli import main; main()", *args],
                          capture_output=True, text=True, env=ENV)


def test_every_verb_has_help():
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        r = _run(name, "--help")
        assert r.returncode == 0, r.stderr
        assert "Usage" in r.stdout


def test_atomforge_error_is_one_line_with_status_2(tmp_path, monkeypatch):
    code = ("import atomforge.quickstart as q\n"
            "from atomforge.errors import DataError\n"
            "def boom(out, **kwargs): raise DataError('bad value', source='x.xyz', frame=3, field='forces')\n"
            "q.run_quickstart = boom\n"
            "from atomforge.cli import main; main()")
    r = subprocess.run([sys.executable, "-c", code, "quickstart", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: x.xyz, frame 3: field 'forces': bad value"
