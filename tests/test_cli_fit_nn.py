"""``atomforge fit`` of a neural network: a run killed (SIGKILL) mid-training resumes from its checkpoint
and ends with the potential of an uninterrupted run, bit for bit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import atomforge
from atomforge.cli import app
from atomforge.data.io import write_extxyz
from conformance import emt_nial_frames

CONFIG = """
species: [Ni, Al]
data:
  train: [{path: train.xyz}]
descriptor: {name: snap, twojmax: 2, rcutfac: 4.0}
model: {name: nn, hidden_layers: [6], n_models: 2}
weights: {energy: 30, force: 1, stress: 0.1}
training: {epochs: 12, validation_fraction: 0.34, patience: 20, checkpoint: ckpt/nn.npz, checkpoint_every: 1}
output: {potential: out/nial.atomforge, report: out/report.json}
"""


def _setup(folder: Path) -> Path:
    folder.mkdir()
    write_extxyz(emt_nial_frames(6), folder / "train.xyz")
    (folder / "fit.yaml").write_text(CONFIG)
    return folder / "fit.yaml"


@pytest.fixture
def one_thread():
    """Tiny networks: torch's intra-op threads only cost time here (and on a shared machine, much)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_killed_fit_resumes_to_the_uninterrupted_result(tmp_path, one_thread):
    straight = _setup(tmp_path / "straight")
    r = CliRunner().invoke(app, ["fit", str(straight), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "straight" / "out" / "ckpt" / "nn.npz").exists()  # removed once complete

    config = _setup(tmp_path / "killed")
    checkpoint = tmp_path / "killed" / "out" / "ckpt" / "nn.npz"
    src = str(Path(atomforge.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from atomforge.cli import main; main()", "fit", str(config),
                             "--no-progress"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, f"the fit ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert checkpoint.exists() and not (tmp_path / "killed" / "out" / "nial.atomforge").exists()

    r = CliRunner().invoke(app, ["fit", str(config), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "killed" / "out" / "report.json").read_text())["fit"]["resumed"]
    a = atomforge.load(tmp_path / "straight" / "out" / "nial.atomforge").model.fitted_arrays()
    b = atomforge.load(tmp_path / "killed" / "out" / "nial.atomforge").model.fitted_arrays()
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
