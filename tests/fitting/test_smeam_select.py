"""Several CMA-ES starts, the best chosen on held-out frames, polished on all frames."""

from __future__ import annotations

import numpy as np
import pytest
from smeam_helpers import labelled_frames, published_path

import atomforge
from atomforge.fitting.smeam.cmaes import CMAESConfig, free_mask, loss_parts, polish_lm
from atomforge.fitting.smeam.data import build_training_set
from atomforge.fitting.smeam.select import fit_selected, seeded_starts, start_checkpoint

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def problem():
    truth = atomforge.load(published_path("Ni"))
    frames = labelled_frames(truth, 6)
    ts = build_training_set(frames, truth, forces_per_frame=6)
    held = np.arange(6) % 3 == 2
    return truth, frames, ts, held


def test_the_start_best_on_held_out_frames_is_chosen_and_polished_on_all(problem):
    truth, frames, ts, held = problem
    cfg = CMAESConfig(population=6, sigma0=0.01, max_generations=3, polish_iterations=3, u_curvature=0.0)
    # start 0 far from the truth; start 1 at it (a fit never returns worse than its start)
    x0s = [truth.theta() + 0.1 * np.random.default_rng(1).normal(size=45), truth.theta()]
    fit = fit_selected(ts, [(cfg, x0s[0]), (cfg, x0s[1])], held)
    # independent ranking: held-out energy MAE per atom through the ordinary calculator, offset
    # fitted on the held-out frames as the default score's loss does
    mae = []
    for pot in fit.fitted:
        n = np.array([len(fr.atoms) for fr, h in zip(frames, held) if h])
        resid = np.array([fr.energy - pot.evaluate(fr.atoms).energy for fr, h in zip(frames, held) if h])
        mae.append(np.mean(np.abs(resid - (n * resid).sum() / (n * n).sum() * n) / n))
    assert fit.chosen == 1 == int(np.argmin(mae)) and mae[1] < 1e-9 < mae[0]
    assert [c["score"] for c in fit.candidates] == pytest.approx(
        [loss_parts(ts.subset(held), p.theta()[None, :], cfg)["loss"][0] for p in fit.fitted], rel=1e-12)
    # the reported potential is the chosen start polished on all six frames
    expected = polish_lm(ts, cfg, fit.fitted[1].theta(), free_mask(truth, True))
    np.testing.assert_array_equal(fit.potential.theta(), expected)
    assert fit.loss == pytest.approx(loss_parts(ts, expected[None, :], cfg)["loss"][0], rel=1e-12)
    assert fit.loss <= loss_parts(ts, fit.fitted[1].theta()[None, :], cfg)["loss"][0]


def test_seeded_starts_and_their_checkpoints(problem, tmp_path):
    _, _, ts, held = problem
    cfg = CMAESConfig(population=4, sigma0=0.01, max_generations=2, polish_iterations=2, seed=7)
    starts = seeded_starts(cfg, 2)
    assert [c.seed for c, _ in starts] == [7, 8]
    fit = fit_selected(ts, starts, held, checkpoint=tmp_path / "fit.json")
    assert [c["seed"] for c in fit.candidates] == [7, 8]
    assert start_checkpoint(tmp_path / "fit.json", 1) == tmp_path / "fit_start1.json"
    assert all(start_checkpoint(tmp_path / "fit.json", k).exists() for k in range(2))
    with pytest.raises(ValueError, match="held_out"):
        fit_selected(ts, starts, np.zeros(len(ts), dtype=bool))
