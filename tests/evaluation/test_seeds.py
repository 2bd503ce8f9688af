"""Configurations over seeds: the CI covers the true mean at its nominal rate in a simulation,
and few seeds are said, not hidden."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy.stats import t as student_t

from core.evaluation.delong import delong_components
from core.evaluation.seeds import (
    ONE_SEED,
    SCOPE_BOTH,
    SCOPE_SEEDS,
    TWO_SEEDS,
    fold_seed_summary,
    seed_summary,
    mean_test_variance,
)

N_CONFIGS, N_SEEDS, TRUE_MEAN = 1000, 5, 0.88
SEED_SD, TEST_SD, OWN_SD = 0.02, 0.02, 0.01  # seed effect, shared test set, seed x test part


def _simulate(rng, n_seeds=N_SEEDS, test_sd=TEST_SD):
    """(configs, seeds) per-seed AUCs and each configuration's estimated v_test.

    The true v_test of the seed-mean is test_sd^2 + own_sd^2 / n; the estimate carries the
    noise of a variance estimated from ~400 test samples (scaled chi-square, 400 df)."""
    shared = rng.normal(0, test_sd, (N_CONFIGS, 1))
    x = (TRUE_MEAN + rng.normal(0, SEED_SD, (N_CONFIGS, n_seeds)) + shared
         + rng.normal(0, OWN_SD, (N_CONFIGS, n_seeds)))
    v_true = test_sd ** 2 + OWN_SD ** 2 / n_seeds
    v_est = v_true * rng.chisquare(400, N_CONFIGS) / 400
    return x, v_est


def _coverage(x, v_est, *, with_test=True):
    hits = 0
    for row, v in zip(x, v_est):
        s = seed_summary(row, test_variance=float(v) if with_test else None)
        hits += s.ci.low <= TRUE_MEAN <= s.ci.high
    return hits / x.shape[0]


def test_the_seed_ci_covers_the_true_mean_at_95_percent_over_1000_configurations():
    start = time.perf_counter()
    x, v_est = _simulate(np.random.default_rng(14))
    coverage = _coverage(x, v_est)
    assert 0.93 <= coverage <= 0.97, coverage
    assert time.perf_counter() - start < 2.0


def test_a_t_interval_over_seeds_alone_under_covers_when_the_test_set_is_shared():
    x, v_est = _simulate(np.random.default_rng(15))
    assert _coverage(x, v_est, with_test=False) < 0.85


def test_without_a_shared_test_effect_the_seed_only_interval_is_nominal_too():
    x, v_est = _simulate(np.random.default_rng(16), test_sd=0.0)
    assert 0.93 <= _coverage(x, v_est, with_test=False) <= 0.97


def test_three_seeds_hand_worked():
    s = seed_summary([0.87, 0.91, 0.89])
    assert s.n_seeds == 3 and s.mean == pytest.approx(0.89)
    assert s.sd == pytest.approx(0.02)
    assert (s.minimum, s.maximum) == (0.87, 0.91)
    half = student_t.ppf(0.975, 2) * 0.02 / math.sqrt(3)  # 4.303 * 0.011547 = 0.04968
    assert s.ci.low == pytest.approx(0.89 - half) and s.ci.high == pytest.approx(0.89 + half)
    assert s.df == pytest.approx(2.0) and s.scope == SCOPE_SEEDS and s.note is None


def test_with_test_variance_the_df_follow_welch_satterthwaite():
    s = seed_summary([0.87, 0.91, 0.89], test_variance=0.0004)
    seed_part = 0.0004 / 3
    total = seed_part + 0.0004
    assert s.df == pytest.approx(total ** 2 / (seed_part ** 2 / 2))
    assert s.ci.high - s.mean == pytest.approx(student_t.ppf(0.975, s.df) * math.sqrt(total))
    assert s.scope == SCOPE_BOTH and s.se == pytest.approx(math.sqrt(total))


def test_one_seed_says_its_spread_is_unknown_and_invents_no_number():
    s = seed_summary([0.9], test_variance=0.0004)
    assert s.n_seeds == 1 and s.mean == 0.9
    assert math.isnan(s.sd) and math.isnan(s.ci.low) and math.isnan(s.ci.high)
    assert s.note == ONE_SEED


def test_two_seeds_are_wide_and_say_so_and_undefined_seeds_are_counted():
    s = seed_summary([0.88, 0.90, float("nan")])
    assert s.n_seeds == 2 and s.n_dropped == 1
    assert TWO_SEEDS in s.note and "1 seed(s) left out" in s.note
    assert s.ci.high - s.ci.low == pytest.approx(2 * 12.706 * 0.01, rel=1e-3)


def test_the_mean_test_variance_is_the_delong_variance_of_the_averaged_scores_auc():
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.4).astype(int)
    scores = np.vstack([y * 1.2 + rng.normal(0, 1, 300) for _ in range(3)])
    cov = delong_components(y, scores).covariance
    assert mean_test_variance(cov) == pytest.approx(cov.sum() / 9)
    assert mean_test_variance([[0.0004]]) == pytest.approx(0.0004)
    with pytest.raises(ValueError):
        mean_test_variance(np.zeros((2, 3)))


def test_folds_average_per_seed_then_over_seeds_and_incomplete_seeds_are_left_out():
    values = np.array([[0.80, 0.90], [0.84, 0.92], [0.85, np.nan]])
    s = fold_seed_summary(values, fold_test_variances=[0.0004, 0.0008])
    assert s.values == pytest.approx((0.85, 0.88)) and s.n_dropped == 1
    assert s.test_variance == pytest.approx(0.0012 / 4)
    with pytest.raises(ValueError):
        fold_seed_summary(values, fold_test_variances=[0.1])


def test_end_to_end_with_delong_covariance_the_interval_covers_the_population_mean():
    """Real scores, not a model of the estimates: each configuration has 3 seeds scoring one
    shared test set of 200 (a shared per-sample noise makes the seeds' errors correlated, as a
    retrained model's are); a seed shifts the binormal separation. The population AUC of a
    seed is Phi(delta_i / sqrt 2), so the true mean is E[Phi(delta / sqrt 2)]."""
    from scipy.stats import norm

    from core.evaluation.seeds import auc_seed_inputs, block_test_variances

    rng = np.random.default_rng(2026)
    delta, delta_sd, shared, n_configs = 1.2, 0.15, 0.7, 400
    true_mean = float(norm.cdf(rng.normal(delta, delta_sd, 2_000_000) / np.sqrt(2)).mean())
    hits = 0
    for _ in range(n_configs):
        y = (rng.random(200) < 0.3).astype(int)
        common = rng.normal(0, np.sqrt(shared), 200)
        runs = [y * rng.normal(delta, delta_sd) + common + rng.normal(0, np.sqrt(1 - shared), 200)
                for _ in range(3)]
        values, cov = auc_seed_inputs(y, {"c": runs})
        s = seed_summary(values["c"], test_variance=block_test_variances(values, cov)["c"])
        hits += s.ci.low <= true_mean <= s.ci.high
    assert 0.92 <= hits / n_configs <= 0.985, hits / n_configs


def test_bootstrap_covariance_of_a_threshold_metric_is_paired():
    from core.evaluation.seeds import bootstrap_test_covariance

    rng = np.random.default_rng(8)
    y = (rng.random(300) < 0.4).astype(int)
    s = y * 1.5 + rng.normal(0, 1, 300)
    same = bootstrap_test_covariance(y, [s, s], [0.7, 0.7], "sensitivity", n_boot=400)
    assert same[0, 1] == pytest.approx(same[0, 0])  # one run twice: perfectly correlated
    # binomial variance of a sensitivity under a stratified bootstrap: p (1 - p) / n_pos
    p, n_pos = float(np.mean(s[y == 1] >= 0.7)), int(y.sum())
    assert same[0, 0] == pytest.approx(p * (1 - p) / n_pos, rel=0.2)
