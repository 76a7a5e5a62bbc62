"""CMA-ES fits of spline-MEAM potentials: objective, recovery of a known potential, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.build import bulk
from smeam_helpers import labelled_frames, published_path

import atomforge
from atomforge.errors import ConfigError
from atomforge.fitting.smeam.cmaes import (CMAESConfig, fit_cmaes, forward_jacobian, free_mask, loss_parts,
                                     polish_lm, residuals)
from atomforge.fitting.smeam.data import build_training_set

pytestmark = pytest.mark.shared_data


def test_objective_equals_direct_evaluation():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 4)
    rng = np.random.default_rng(3)
    theta = truth.theta() + 0.02 * rng.normal(size=len(truth.theta()))
    group_weights = {"g0": 2.0, "g1": 0.5}
    ts = build_training_set(frames, truth, forces_per_frame=10, group_weights=group_weights)
    cfg = CMAESConfig(stress_mae_weight=3.0, force_mae_weight=0.7, u_penalty=0.0, u_curvature=0.0)
    got = loss_parts(ts, theta[None, :], cfg)
    # independent: evaluate each frame with the ordinary calculator
    model = truth.with_theta(theta)
    evs = [model.evaluate(fr.atoms) for fr in frames]
    w = np.array([fr.weight * group_weights[fr.group] for fr in frames])
    n = np.array([len(fr.atoms) for fr in frames])
    resid = np.array([fr.energy - ev.energy for fr, ev in zip(frames, evs)])
    offset = (w * n * resid).sum() / (w * n * n).sum()  # weighted least squares, one element
    mae_e = (w * np.abs(resid - offset * n) / n).sum() / w.sum()
    mae_s = (w * np.array([np.abs(ev.stress - fr.stress).mean() for fr, ev in zip(frames, evs)])).sum() / w.sum()
    f_err = [np.abs(ev.forces[sv.force_atoms] - fr.forces[sv.force_atoms]).sum()
             for fr, ev, sv in zip(frames, evs, ts.vectors)]
    mae_f = (w * np.array(f_err)).sum() / (w * 30).sum()
    assert got["offsets"][0, 0] == pytest.approx(offset, abs=1e-10)
    assert got["energy_mae"][0] == pytest.approx(mae_e, abs=1e-11)
    assert got["force_mae"][0] == pytest.approx(mae_f, abs=1e-11)
    assert got["stress_mae"][0] == pytest.approx(mae_s, abs=1e-12)
    assert got["loss"][0] == pytest.approx(mae_e + 0.7 * mae_f + 3.0 * mae_s, abs=1e-11)


def test_free_mask_keeps_cutoff_values():
    truth = atomforge.load(published_path("Ni"))
    mask = free_mask(truth, zero_at_cutoff=True)
    assert mask.sum() == 45 - 6  # y_N and dN of φ, ρ, f
    # φ's θ = [y_0..y_6, d0, dN]: y_6 and dN fixed, d0 free; U (θ[18:27]) all free
    assert mask[:9].tolist() == [True] * 6 + [False, True, False]
    assert mask[18:27].all()
    assert free_mask(truth, zero_at_cutoff=False).all()


@pytest.mark.slow
def test_cmaes_recovers_a_known_potential():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 6)
    rng = np.random.default_rng(0)
    start = truth.theta() + 0.03 * rng.normal(size=len(truth.theta()))
    ts = build_training_set(frames, truth.with_theta(start))
    cfg = CMAESConfig(sigma0=0.01, max_generations=150, population=16, u_curvature=0.0)  # the exact optimum
    before = loss_parts(ts, start[None, :], cfg)
    res = fit_cmaes(ts, cfg)
    assert before["energy_mae"][0] > 0.02 and before["force_mae"][0] > 0.5
    assert res.parts["energy_mae"] < 0.005  # eV/atom
    assert res.parts["force_mae"] < 0.1 * before["force_mae"][0]
    # the returned potential is what the objective scored
    ev = res.potential.evaluate(frames[0].atoms)
    np.testing.assert_allclose(ev.forces, frames[0].forces, atol=0.6)


def test_checkpoint_resume_reproduces_uninterrupted_run(tmp_path):
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 2)
    start = truth.theta() + 0.03 * np.random.default_rng(1).normal(size=len(truth.theta()))
    ts = build_training_set(frames, truth.with_theta(start), forces_per_frame=8)
    cfg = CMAESConfig(sigma0=0.01, max_generations=12, population=8, checkpoint_every=3, restarts=1)
    straight = fit_cmaes(ts, cfg)

    class Stop(Exception):
        pass

    def interrupt(gen, best):
        if gen == 17:
            raise Stop

    ckpt = tmp_path / "fit.ckpt"
    with pytest.raises(Stop):
        fit_cmaes(ts, cfg, checkpoint=ckpt, progress=interrupt)
    assert ckpt.exists()
    resumed = fit_cmaes(ts, cfg, checkpoint=ckpt)
    assert len(resumed.history) == len(straight.history) == 24
    assert resumed.loss == straight.loss
    np.testing.assert_array_equal(resumed.potential.theta(), straight.potential.theta())
    # JSON (no pickle), tied to every input: settings, start and training data
    assert json.loads(ckpt.read_text())["format"] == "atomforge-cmaes-checkpoint"
    for changed in (dict(cfg=CMAESConfig(sigma0=0.02, max_generations=12)),
                    dict(cfg=cfg, x0=start + 1e-9),
                    dict(cfg=cfg, ts=build_training_set(labelled_frames(truth, 3)[1:], truth.with_theta(start),
                                                         forces_per_frame=8))):
        with pytest.raises(ConfigError, match="checkpoint of another fit"):
            fit_cmaes(changed.pop("ts", ts), changed.pop("cfg"), checkpoint=ckpt, **changed)


def test_config_is_validated():
    with pytest.raises(ConfigError, match="sigma0"):
        CMAESConfig(sigma0=0.0)
    with pytest.raises(ConfigError, match="population"):
        CMAESConfig(population=1)
    with pytest.raises(ConfigError, match="polish_iterations"):
        CMAESConfig(polish_iterations=0)


def test_residuals_square_to_the_rmse_objective_of_the_calculator():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 4)  # the densities of the largest cell reach beyond U's knots
    thetas = np.stack([truth.theta(), truth.theta() + 0.02 * np.random.default_rng(4).normal(size=45)])
    group_weights = {"g0": 2.0, "g1": 0.5}
    ts = build_training_set(frames, truth, forces_per_frame=6, group_weights=group_weights)
    cfg = CMAESConfig(energy_mae_weight=1.3, force_mae_weight=0.7, stress_mae_weight=3.0, u_penalty=0.0, u_curvature=0.0)
    got = (residuals(ts, thetas, cfg) ** 2).sum(axis=1)
    w = np.array([fr.weight * group_weights[fr.group] for fr in frames])
    n = np.array([len(fr.atoms) for fr in frames])
    for theta, value in zip(thetas, got):
        # independent: the ordinary calculator, one element's offset by weighted least squares
        evs = [truth.with_theta(theta).evaluate(fr.atoms) for fr in frames]
        resid = np.array([fr.energy - ev.energy for fr, ev in zip(frames, evs)])
        offset = (w * n * resid).sum() / (w * n * n).sum()
        mse_e = (w * ((resid - offset * n) / n) ** 2).sum() / w.sum()
        f_sq = np.array([((ev.forces - fr.forces)[sv.force_atoms] ** 2).sum()
                         for fr, ev, sv in zip(frames, evs, ts.vectors)])
        mse_f = (w * f_sq).sum() / (w * 6 * 3).sum()
        s_sq = np.array([((ev.stress - fr.stress) ** 2).mean() for fr, ev in zip(frames, evs)])
        mse_s = (w * s_sq).sum() / w.sum()
        assert value == pytest.approx(1.3**2 * mse_e + 0.7**2 * mse_f + 3.0**2 * mse_s, rel=1e-9)
    # the U-domain penalty is one more residual, λ_U times the loss's mean excess
    penalised = residuals(ts, thetas, CMAESConfig(energy_mae_weight=1.3, force_mae_weight=0.7, stress_mae_weight=3.0,
                                                  u_penalty=4.0, u_curvature=0.0))
    excess = loss_parts(ts, thetas, cfg)["u_excess"]
    assert excess.min() > 0
    np.testing.assert_array_equal(penalised[:, :-1], residuals(ts, thetas, cfg))
    np.testing.assert_allclose(penalised[:, -1], 4.0 * excess, rtol=1e-14)


def test_batched_forward_jacobian_matches_central_differences():
    truth = atomforge.load(published_path("Ni"))
    theta = truth.theta() + 0.01 * np.random.default_rng(5).normal(size=45)
    ts = build_training_set(labelled_frames(truth, 2), truth, forces_per_frame=4)
    cfg = CMAESConfig(force_mae_weight=0.5, stress_mae_weight=2.0, u_penalty=0.0)
    calls = []

    def fun(xs):
        calls.append(len(xs))
        return residuals(ts, xs, cfg)

    r0, jac = forward_jacobian(fun, theta)
    assert calls == [46]  # one batch: the point and its 45 displacements
    np.testing.assert_allclose(r0, residuals(ts, theta[None, :], cfg)[0], rtol=0, atol=1e-13)
    for j in range(45):
        h = 1e-5 * max(1.0, abs(theta[j]))
        step = np.zeros(45)
        step[j] = h
        central = (residuals(ts, (theta + step)[None, :], cfg)[0]
                   - residuals(ts, (theta - step)[None, :], cfg)[0]) / (2 * h)
        np.testing.assert_allclose(jac[:, j], central, rtol=0, atol=1e-5 * max(1.0, np.abs(central).max()))


def test_lm_polish_recovers_a_known_potential():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 4)
    # LM converges locally: from 0.01 perturbations it can stop in a local minimum (loss ~3e-4)
    start = truth.theta() + 0.002 * np.random.default_rng(0).normal(size=45)
    ts = build_training_set(frames, truth, forces_per_frame=8)
    cfg = CMAESConfig(force_mae_weight=0.5, stress_mae_weight=2.0, u_penalty=0.0, u_curvature=0.0, zero_at_cutoff=False)
    theta = polish_lm(ts, cfg, start, free_mask(truth, zero_at_cutoff=False))
    before, after = loss_parts(ts, np.stack([start, theta]), cfg)["loss"]
    assert before > 0.01 and after < 1e-9
    model = truth.with_theta(theta)
    for fr, sv in zip(frames, ts.vectors):
        ev = model.evaluate(fr.atoms)
        assert (fr.energy - ev.energy) / len(fr.atoms) == pytest.approx(-5.0, abs=1e-9)
        np.testing.assert_allclose(ev.forces[sv.force_atoms], fr.forces[sv.force_atoms], atol=1e-8)


def test_polish_in_a_fit_lowers_the_loss():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 2)
    start = truth.theta() + 0.03 * np.random.default_rng(2).normal(size=len(truth.theta()))
    ts = build_training_set(frames, truth.with_theta(start), forces_per_frame=8)
    plain = fit_cmaes(ts, CMAESConfig(sigma0=0.01, max_generations=5, population=8))
    polished = fit_cmaes(ts, CMAESConfig(sigma0=0.01, max_generations=5, population=8, polish=True,
                                         polish_iterations=50))
    assert polished.loss < 0.1 * plain.loss
    assert polished.loss == pytest.approx(loss_parts(ts, polished.potential.theta()[None, :],
                                                     CMAESConfig())["loss"][0], rel=1e-12)


def test_a_fit_never_returns_worse_than_its_start():
    truth = atomforge.load(published_path("Ni"))
    ts = build_training_set(labelled_frames(truth, 2), truth, forces_per_frame=4)
    fit = fit_cmaes(ts, CMAESConfig(population=4, sigma0=0.05, max_generations=2, u_penalty=0.0,
                                    u_curvature=0.0, zero_at_cutoff=False))
    # every sample is perturbed from the exact start, so only the start itself has zero loss
    np.testing.assert_array_equal(fit.potential.theta(), truth.theta())
    assert fit.loss < 1e-9
    assert fit.reference_energies[0] == pytest.approx(-5.0, abs=1e-9)


def test_u_curvature_term_is_the_rms_second_derivative_of_u():
    from scipy.integrate import quad
    from scipy.interpolate import CubicSpline

    truth = atomforge.load(published_path("Ni"))
    thetas = np.stack([truth.theta() + 0.05 * np.random.default_rng(k).normal(size=45) for k in range(2)])
    ts = build_training_set(labelled_frames(truth, 2), truth, forces_per_frame=4)
    plain = CMAESConfig(force_mae_weight=0.5, u_penalty=0.0, u_curvature=0.0)
    smooth = CMAESConfig(force_mae_weight=0.5, u_penalty=0.0, u_curvature=0.3)
    n_plain = residuals(ts, thetas, plain).shape[1]
    for theta, loss, extra, r in zip(thetas, loss_parts(ts, thetas, plain)["loss"],
                                     loss_parts(ts, thetas, smooth)["loss"], residuals(ts, thetas, smooth)):
        u = truth.with_theta(theta).splines["U"][0]  # independent: SciPy's clamped spline, quadrature
        ref = CubicSpline(u.x, u.y, bc_type=((1, u.d0), (1, u.dn)))
        mean_sq = sum(quad(lambda t: ref(t, 2) ** 2, a, b)[0] for a, b in zip(u.x[:-1], u.x[1:])) / (u.x[-1] - u.x[0])
        assert extra - loss == pytest.approx(0.3 * np.sqrt(mean_sq), rel=1e-10)
        assert (r[n_plain:] ** 2).sum() == pytest.approx(0.09 * mean_sq, rel=1e-10)


def test_a_subset_scores_as_the_set_built_from_its_frames():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 4)
    theta = truth.theta() + 0.02 * np.random.default_rng(6).normal(size=45)
    cfg = CMAESConfig(force_mae_weight=0.5, stress_mae_weight=2.0)
    full = build_training_set(frames, truth)  # all forces, so the kept atoms do not depend on the draw
    direct = loss_parts(build_training_set([frames[0], frames[2]], truth), theta[None, :], cfg)
    got = loss_parts(full.subset([0, 2]), theta[None, :], cfg)
    for key in ("loss", "energy_mae", "force_mae", "stress_mae"):
        assert got[key][0] == pytest.approx(direct[key][0], rel=1e-13)
