"""A configuration's metrics over seeds and the AUC ranking, from real evaluations of synthetic
predictions: the per-run values are the runs' own, the test part of the variance is the one the
statistics prescribe (checked against the binomial variance and the one-run DeLong variance),
and the ranking of one-seed configurations is the paired DeLong test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.evaluation import RunEvaluation, compare_runs
from core.evaluation.auc_ranking import ALONE, NOT_ALIGNED, rank_by_auc
from core.evaluation.configurations import (
    CONFIGURATION_METRICS,
    auc_fold_part,
    configuration_metrics,
    threshold_fold_part,
)
from core.evaluation.delong import delong_components
from core.evaluation.seeds import SCOPE_BOTH, SCOPE_SEEDS
from tests.evaluation.synth import make_predictions


def _seed(frame: pd.DataFrame, noise: float, seed: int) -> RunEvaluation:
    """The same test samples, scores perturbed: what another training seed gives."""
    rng = np.random.default_rng(seed)
    p = np.clip(frame["prob_1"].to_numpy() + rng.normal(0, noise, len(frame)), 0.001, 0.999)
    return RunEvaluation.from_predictions(frame.assign(prob_1=p, prob_0=1 - p), n_boot=200)


@pytest.fixture(scope="module")
def frame():
    return make_predictions(n_test=300, n_val=0, seed=3)


@pytest.fixture(scope="module")
def seeds(frame):
    return [_seed(frame, 0.05, s) for s in range(3)]


def test_per_run_values_are_each_runs_own(seeds):
    grid = [[ev] for ev in seeds]
    auc, _ = auc_fold_part(grid)
    assert auc[:, 0] == pytest.approx([ev.auc.auc for ev in seeds])
    parts = threshold_fold_part(grid, [[0.4], [0.5], [0.6]], n_boot=50)
    for i, (ev, t) in enumerate(zip(seeds, (0.4, 0.5, 0.6))):
        m = ev.at(t).metrics
        assert parts["sensitivity"][0][i, 0] == pytest.approx(m.sensitivity)
        assert parts["mcc"][0][i, 0] == pytest.approx(m.mcc)


def test_identical_seeds_have_the_test_variance_of_one_run(seeds):
    """Two copies of one run: the seed mean is that run, so its test variance is the run's
    (DeLong's for AUC; for sensitivity the binomial p(1-p)/n_pos of a stratified bootstrap)."""
    ev = seeds[0]
    _, (v_auc,) = auc_fold_part([[ev], [ev]])
    one = delong_components(ev.test.y, ev.test.scores[None, :]).covariance
    assert v_auc == pytest.approx(float(np.squeeze(one)))
    parts = threshold_fold_part([[ev], [ev]], [[0.5], [0.5]], n_boot=4000)
    sens = ev.at(0.5).metrics.sensitivity
    n_pos = int(ev.test.y.sum())
    assert parts["sensitivity"][1][0] == pytest.approx(sens * (1 - sens) / n_pos, rel=0.1)


def test_summary_is_the_mean_over_seeds_with_both_variances(seeds):
    cm = configuration_metrics([[ev] for ev in seeds], [[0.5]] * 3, (0, 1, 2), n_boot=200)
    assert set(cm.summaries) == set(CONFIGURATION_METRICS)
    auc = cm.summaries["auc"]
    assert auc.n_seeds == 3 and auc.scope == SCOPE_BOTH
    assert auc.mean == pytest.approx(np.mean([ev.auc.auc for ev in seeds]))
    assert auc.ci.low < auc.mean < auc.ci.high
    assert cm.n_folds == 0 and cm.seeds == (0, 1, 2)


def test_folds_average_within_a_seed_and_a_missing_fold_drops_the_seed(frame, seeds):
    other = make_predictions(n_test=300, n_val=0, seed=4)  # fold 2: other test samples
    f2 = [_seed(other, 0.05, s) for s in range(3)]
    grid = [[seeds[0], f2[0]], [seeds[1], f2[1]], [seeds[2], None]]
    cm = configuration_metrics(grid, [[0.5, 0.5]] * 3, (0, 1, 2), folds=True, n_boot=100)
    auc = cm.summaries["auc"]
    expected = [(seeds[i].auc.auc + f2[i].auc.auc) / 2 for i in (0, 1)]
    assert auc.values == pytest.approx(expected)
    assert auc.n_dropped == 1 and cm.n_folds == 2


def test_seeds_on_different_samples_cover_seed_variance_only(frame, seeds):
    other = _seed(make_predictions(n_test=300, n_val=0, seed=9), 0.05, 0)
    cm = configuration_metrics([[seeds[0]], [other]], [[0.5], [0.5]], (0, 1), n_boot=50)
    assert cm.summaries["auc"].scope == SCOPE_SEEDS
    assert cm.summaries["sensitivity"].scope == SCOPE_SEEDS


def test_one_seed_configurations_rank_as_the_paired_delong_test(frame):
    evs = {name: _seed(frame, noise, s)
           for name, noise, s in (("A", 0.02, 1), ("B", 0.3, 2), ("C", 0.6, 3))}
    result = rank_by_auc({n: [ev] for n, ev in evs.items()})
    (ranked,) = result.sets
    assert ranked.ranking.order == ("A", "B", "C")
    table = compare_runs(evs).set_index(["run_a", "run_b"])
    for d in ranked.ranking.adjacent:
        assert d.p_value == pytest.approx(table.loc[(d.better, d.worse), "p_value"], rel=1e-6)
    assert result.n_comparisons == 2 and len(ranked.power) == 2
    assert ranked.n_test == 300


def test_configurations_on_other_test_sets_are_not_ranked_together(frame, seeds):
    other = _seed(make_predictions(n_test=200, n_val=0, seed=5), 0.05, 0)
    result = rank_by_auc({"here": seeds[:2], "there": [other],
                          "mixed": [seeds[2], other], "cv": [seeds[0]]},
                         cross_validated=["cv"])
    assert result.sets == ()
    assert result.left_out["there"] == ALONE and result.left_out["here"] == ALONE
    assert result.left_out["mixed"] == NOT_ALIGNED
    assert "cross-validated" in result.left_out["cv"]


def test_per_seed_estimates_are_the_fold_means(seeds):
    grid = [[seeds[0], seeds[1]], [seeds[2], None]]
    cm = configuration_metrics(grid, [[0.5, 0.5]] * 2, (0, 4), folds=True, n_boot=20)
    first, second = cm.per_seed("auc")
    assert first == pytest.approx((seeds[0].auc.auc + seeds[1].auc.auc) / 2)
    assert np.isnan(second)
