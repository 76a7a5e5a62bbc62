"""The HDF5 descriptor cache: exact reload, refusal of other settings or frames, resumption."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from atomforge.descriptors.cache import DescriptorCache
from atomforge.errors import CacheError
from atomforge.parallel import compute_descriptors
from test_parallel import DESCRIPTORS, assert_identical, small_dataset
from toy_descriptor import RadialGaussians


class Counting:
    """Wraps a descriptor: counts its compute calls (serial executor only) and can fail on a
    chosen call; everything else (name, to_dict, n_features, ...) is the wrapped descriptor's."""

    def __init__(self, descriptor, fail_at=None):
        self.descriptor, self.calls, self.fail_at = descriptor, 0, fail_at

    def __getattr__(self, attr):
        return getattr(self.descriptor, attr)

    def compute(self, frame, *, gradients=False):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt("interrupted")
        return self.descriptor.compute(frame, gradients=gradients)


@pytest.mark.parametrize("name", DESCRIPTORS)
@pytest.mark.parametrize("gradients", [True, False], ids=["with-gradients", "values-only"])
def test_cache_round_trip_is_exact(tmp_path, gradients, name):
    data = small_dataset(5)
    desc = Counting(DESCRIPTORS[name]())
    path = tmp_path / "d.h5"
    first = compute_descriptors(desc, data, gradients=gradients, progress=False, cache=path)
    assert desc.calls == 5 and path.exists()
    assert not path.with_name("d.h5.partial").exists()
    again = compute_descriptors(desc, data, gradients=gradients, progress=False, cache=path)
    assert desc.calls == 5  # nothing recomputed
    direct = [desc.compute(f, gradients=gradients) for f in data]
    assert_identical(first, direct)
    assert_identical(again, direct)


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_gradient_cache_serves_values_only_run(tmp_path, name):
    data = small_dataset(3)
    desc = DESCRIPTORS[name]()
    compute_descriptors(desc, data, gradients=True, progress=False, cache=tmp_path / "d.h5")
    values = compute_descriptors(desc, data, gradients=False, progress=False,
                                 cache=tmp_path / "d.h5")
    assert_identical(values, [desc.compute(f) for f in data])
    compute_descriptors(desc, data, gradients=False, progress=False, cache=tmp_path / "v.h5")
    with pytest.raises(CacheError, match="holds no gradients"):
        compute_descriptors(desc, data, gradients=True, progress=False, cache=tmp_path / "v.h5")


def test_other_descriptor_setting_is_refused(tmp_path):
    data = small_dataset(3)
    path = tmp_path / "d.h5"
    compute_descriptors(RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=4), data, progress=False, cache=path)
    with pytest.raises(CacheError, match=r"d\.h5: descriptor cache was written by another "
                                         r"descriptor setting.*\"eta\": 4\.0.*\"eta\": 2\.0"):
        compute_descriptors(RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=4, eta=2.0), data,
                            progress=False, cache=path)


@pytest.mark.parametrize("change", ["moved-atom", "fewer-frames", "other-element"])
def test_other_frames_are_refused(tmp_path, change):
    data = small_dataset(3)
    desc = RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=4)
    path = tmp_path / "d.h5"
    compute_descriptors(desc, data, progress=False, cache=path)
    other = small_dataset(3)
    if change == "moved-atom":
        other[1].atoms.positions[0, 0] += 1e-9
    elif change == "fewer-frames":
        other = other[:2]
    else:
        other[2].atoms.numbers[0] = 28
    with pytest.raises(CacheError, match="written for other frames"):
        compute_descriptors(desc, other, progress=False, cache=path)


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_interrupted_run_resumes_without_recomputing(tmp_path, name):
    data = small_dataset(12)
    path = tmp_path / "d.h5"
    # 2 workers → checkpoints every 8 frames; the 10th compute call is interrupted
    desc = Counting(DESCRIPTORS[name](), fail_at=10)
    with pytest.raises(KeyboardInterrupt):
        compute_descriptors(desc, data, gradients=True, n_workers=2, progress=False, cache=path)
    assert not path.exists()
    partial = path.with_name("d.h5.partial")
    with h5py.File(partial) as f:
        assert sorted(f["frames"]) == [f"{k:08d}" for k in range(8)]
    resumed = Counting(DESCRIPTORS[name]())
    out = compute_descriptors(resumed, data, gradients=True, n_workers=2, progress=False,
                              cache=path)
    assert resumed.calls == 4 and path.exists() and not partial.exists()
    assert_identical(out, [resumed.compute(f, gradients=True) for f in data])


def test_incomplete_frame_group_is_recomputed(tmp_path):
    data = small_dataset(3)
    desc = RadialGaussians(elements=["Cu"], cutoff=4.0, n_features=4)
    cache = DescriptorCache(tmp_path / "d.h5", desc, data, gradients=False)
    cache.add({0: desc.compute(data[0]), 1: desc.compute(data[1])})
    with h5py.File(cache.partial, "a") as f:  # as if killed while writing frame 1
        f["frames/00000001"].attrs["complete"] = False
    again = DescriptorCache(tmp_path / "d.h5", desc, data, gradients=False)
    assert again.missing() == [1, 2]


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.zeros(3)
    with pytest.raises(CacheError, match="not an atomforge descriptor cache"):
        compute_descriptors(RadialGaussians(elements=["Cu"]), small_dataset(1), progress=False, cache=path)
    path.write_bytes(b"not hdf5")
    with pytest.raises(CacheError, match="not a readable HDF5 file"):
        compute_descriptors(RadialGaussians(elements=["Cu"]), small_dataset(1), progress=False, cache=path)
