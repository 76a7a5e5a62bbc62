"""map_frames / compute_descriptors: every executor gives exactly the serial result."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from atomforge.data import Dataset, Frame
from atomforge.descriptors import Bispectrum
from atomforge.errors import ConfigError
from atomforge.parallel import compute_descriptors, map_frames
from finite_differences import numeric_position_derivative
from toy_descriptor import RadialGaussians

# Production descriptors with small settings (the frames have 4 or 8 Cu atoms); add new ones here.
DESCRIPTORS = {"toy-radial": lambda: RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=5),
               "snap": lambda: Bispectrum(elements=["Cu"], twojmax=4, rcutfac=4.0)}


def small_dataset(n_frames=6, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_frames):
        atoms = bulk("Cu", "fcc", a=3.6, cubic=True) * (1, 1, 1 + k % 2)
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + rng.uniform(-0.03, 0.03, (3, 3))),
                       scale_atoms=True)
        atoms.rattle(0.05, seed=k)
        frames.append(Frame(atoms, energy=-3.0 * len(atoms), group=f"g{k % 2}"))
    return Dataset(frames, "small")


def assert_identical(a, b, what=""):
    assert len(a) == len(b), what
    for k, (x, y) in enumerate(zip(a, b)):
        for name in ("values", "numbers", "pairs", "grad", "vectors"):
            u, v = getattr(x, name), getattr(y, name)
            where = f"{what} frame {k} {name}"
            assert (u is None) == (v is None), where
            if u is not None:
                np.testing.assert_array_equal(u, v, err_msg=where)


def test_toy_descriptor_gradients_match_finite_differences():
    """The test descriptor itself is right: sparse ∂B_i/∂r_j equals central differences."""
    desc = RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=5)
    frame = small_dataset(1)[0]
    out = desc.compute(frame, gradients=True)
    n = frame.n_atoms
    dense = np.zeros((n, 3, n, desc.n_features))  # tiny test system only
    for (i, j), g in zip(out.pairs, out.grad):
        dense[j, :, i, :] += g.T

    def values(positions):
        a = frame.atoms.copy()
        a.positions = positions
        return desc.compute(Frame(a)).values

    numeric = numeric_position_derivative(values, frame.atoms.positions, h=1e-5)
    np.testing.assert_allclose(dense, numeric, atol=1e-8)


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_process_pool_equals_serial(name, tmp_path):
    data = small_dataset()
    desc = DESCRIPTORS[name]()
    serial = compute_descriptors(desc, data, gradients=True, progress=False)
    pooled = compute_descriptors(desc, data, gradients=True, executor="process", n_workers=2,
                                 progress=False)
    assert_identical(serial, pooled)
    cached = compute_descriptors(desc, data, gradients=True, executor="process", n_workers=2,
                                 progress=False, cache=tmp_path / "d.h5")
    assert_identical(serial, cached)


@pytest.mark.slow
def test_dask_local_cluster_equals_serial():
    """Every descriptor of DESCRIPTORS on one LocalCluster (a cluster takes seconds to start)."""
    from distributed import Client, LocalCluster

    data = small_dataset()
    descs = {name: make() for name, make in DESCRIPTORS.items()}
    serial = {name: compute_descriptors(d, data, gradients=True, progress=False)
              for name, d in descs.items()}
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        by_client = {name: compute_descriptors(d, data, gradients=True, executor="dask",
                                               address=client, progress=False)
                     for name, d in descs.items()}
        by_address = {name: compute_descriptors(d, data, gradients=False, executor="dask",
                                                address=cluster.scheduler_address,
                                                progress=False)
                      for name, d in descs.items()}
        assert len(client.scheduler_info()["workers"]) == 2
    for name in descs:
        assert_identical(serial[name], by_client[name], name)
        np.testing.assert_array_equal(np.concatenate([o.values for o in serial[name]]),
                                      np.concatenate([o.values for o in by_address[name]]),
                                      err_msg=name)


def n_atoms(frame):
    return frame.n_atoms


def test_map_frames_keeps_order():
    data = small_dataset(9)
    expected = [len(f.atoms) for f in data]
    assert map_frames(n_atoms, data, progress=True) == expected
    assert map_frames(n_atoms, data, executor="process", n_workers=2, progress=False) == expected


@pytest.mark.parametrize("kwargs, match", [
    ({"executor": "threads"}, "unknown executor 'threads'.*serial"),
    ({"executor": "process", "address": "tcp://x:1"}, "address= is for executor='dask'"),
    ({"n_workers": 0}, "n_workers must be a positive integer"),
], ids=["unknown-executor", "address-without-dask", "zero-workers"])
def test_bad_settings_are_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        map_frames(n_atoms, small_dataset(2), **kwargs)
