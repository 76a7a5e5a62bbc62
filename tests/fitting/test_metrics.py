"""Per-frame errors, their summary, and the bootstrap of one potential's MAEs and of two potentials' difference."""

import numpy as np
import pytest

from atomforge.fitting.metrics import FrameErrors, bootstrap_mae, paired_bootstrap, summarize


def _errors(rng, n_frames, scale):
    out = []
    for k in range(n_frames):
        n = int(rng.integers(2, 6))
        out.append(FrameErrors("bulk" if k % 3 else "surface", n, float(rng.normal(0, scale)),
                               rng.normal(0, 10 * scale, 3 * n), None))
    return out


def test_summarize_groups_and_overall():
    rng = np.random.default_rng(1)
    errs = _errors(rng, 12, 1e-3)
    s = summarize(errs)
    e = np.array([x.energy for x in errs])
    f = np.concatenate([x.forces for x in errs])
    assert s["energy_mae_mev_atom"] == pytest.approx(1000 * np.mean(np.abs(e)), rel=1e-12)
    assert s["force_rmse_ev_a"] == pytest.approx(np.sqrt(np.mean(f**2)), rel=1e-12)
    assert s["stress_mae_gpa"] is None
    surf = [x for x in errs if x.group == "surface"]
    assert s["groups"]["surface"]["n_atoms"] == sum(x.n_atoms for x in surf)
    assert s["groups"]["surface"]["energy_mae_mev_atom"] == pytest.approx(
        1000 * np.mean([abs(x.energy) for x in surf]), rel=1e-12)


def test_paired_bootstrap_equals_a_direct_resampling():
    """Same draws, MAEs recomputed from the resampled frames' concatenated errors."""
    rng = np.random.default_rng(2)
    a, b = _errors(rng, 15, 1e-3), _errors(rng, 15, 1.2e-3)
    b = [FrameErrors(x.group, y.n_atoms, x.energy, rng.normal(0, 1e-2, 3 * y.n_atoms), None)
         for x, y in zip(b, a)]
    out = paired_bootstrap(a, b, n_resamples=400, seed=5)
    draws = np.random.default_rng(5).integers(0, len(a), size=(400, len(a)))

    def mae_f(errs, idx):
        return np.mean(np.abs(np.concatenate([errs[i].forces for i in idx])))

    def mae_e(errs, idx):
        return 1000 * np.mean([abs(errs[i].energy) for i in idx])

    boots = {}
    for key, mae in (("energy_mae_mev_atom", mae_e), ("force_mae_ev_a", mae_f)):
        boot = boots[key] = np.array([mae(a, d) - mae(b, d) for d in draws])
        low, high = np.quantile(boot, [0.025, 0.975])
        all_frames = range(len(a))
        assert out[key]["difference"] == pytest.approx(mae(a, all_frames) - mae(b, all_frames), rel=1e-12)
        assert out[key]["low"] == pytest.approx(low, rel=1e-10)
        assert out[key]["high"] == pytest.approx(high, rel=1e-10)
        assert out[key]["not_worse"] == np.mean(boot <= 0)
        assert 0 < out[key]["not_worse"] < 1  # a pair of errors close enough for the fraction to be informative
    both = (boots["energy_mae_mev_atom"] <= 0) & (boots["force_mae_ev_a"] <= 0)
    assert out["both_not_worse"] == np.mean(both)


def test_paired_bootstrap_identical_and_shifted():
    rng = np.random.default_rng(3)
    a = _errors(rng, 20, 1e-3)
    same = paired_bootstrap(a, a, n_resamples=200)
    assert same["energy_mae_mev_atom"] == {"difference": 0.0, "low": 0.0, "high": 0.0, "not_worse": 1.0}
    # Every error of b twice that of a: MAE(a) − MAE(b) = −MAE(a) < 0 in every resample.
    b = [FrameErrors(x.group, x.n_atoms, 2 * x.energy, 2 * x.forces, None) for x in a]
    out = paired_bootstrap(a, b, n_resamples=200)
    assert out["force_mae_ev_a"]["high"] < 0
    assert out["both_not_worse"] == 1.0
    with pytest.raises(ValueError):
        paired_bootstrap(a, b[:-1])


def test_bootstrap_mae_equals_a_direct_resampling():
    rng = np.random.default_rng(3)
    a = _errors(rng, 11, 1e-3)
    out = bootstrap_mae(a, n_resamples=300, seed=7)
    draws = np.random.default_rng(7).integers(0, len(a), size=(300, len(a)))
    for key, mae in (("energy_mae_mev_atom", lambda idx: 1000 * np.mean([abs(a[i].energy) for i in idx])),
                     ("force_mae_ev_a", lambda idx: np.mean(np.abs(np.concatenate([a[i].forces for i in idx]))))):
        low, high = np.quantile([mae(d) for d in draws], [0.025, 0.975])
        assert out[key]["mae"] == pytest.approx(mae(range(len(a))), rel=1e-12)
        assert out[key]["low"] == pytest.approx(low, rel=1e-10)
        assert out[key]["high"] == pytest.approx(high, rel=1e-10)
