"""Bootstrap CIs: the binomial shortcut equals an index bootstrap; seeds reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import bootstrap as bs
from core.evaluation.bootstrap import (
    binomial_bootstrap_counts,
    index_bootstrap_counts,
    paired_bootstrap_difference,
    stratified_bootstrap_indices,
    threshold_metric_cis,
)
from core.evaluation.counts import ConfusionCounts, SortedScores
from core.evaluation.errors import EvaluationError
from core.evaluation.metrics import METRIC_NAMES, rates_from_counts


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(13, int), np.zeros(27, int)]
    s = rng.random(40) * 0.7 + 0.3 * y
    return y, s, 0.45


def _brute_force_metrics(y, s, t, n_boot, seed):
    """The reference: resample indices within each class and recompute every metric."""
    idx = stratified_bootstrap_indices(y, n_boot, np.random.default_rng(seed))
    yb, pb = y[idx], s[idx] >= t
    counts = ConfusionCounts(
        (pb & (yb == 1)).sum(1), (pb & (yb == 0)).sum(1),
        (~pb & (yb == 0)).sum(1), (~pb & (yb == 1)).sum(1),
    )
    return counts, rates_from_counts(counts)


def test_binomial_shortcut_has_the_index_bootstrap_distribution(small):
    y, s, t = small
    n_boot = 20_000
    brute_counts, brute = _brute_force_metrics(y, s, t, n_boot, seed=1)
    fast_counts = binomial_bootstrap_counts(SortedScores(y, s).counts(t), n_boot,
                                            np.random.default_rng(2))
    fast = rates_from_counts(fast_counts)
    # The class sizes never change under a stratified bootstrap, in either method.
    assert set(np.asarray(fast_counts.n_pos).tolist()) == {13}
    assert set(np.asarray(brute_counts.n_neg).tolist()) == {27}
    # Same distribution of TP and FP counts: total variation distance within MC error.
    for name in ("tp", "fp"):
        a = np.bincount(getattr(brute_counts, name), minlength=28) / n_boot
        b = np.bincount(getattr(fast_counts, name), minlength=28) / n_boot
        assert 0.5 * np.abs(a - b).sum() < 0.03, name
    for m in METRIC_NAMES:
        a, b = brute[m][np.isfinite(brute[m])], fast[m][np.isfinite(fast[m])]
        se = np.sqrt(a.var() / a.size + b.var() / b.size)
        assert abs(a.mean() - b.mean()) < 4 * se + 1e-12, m
        assert b.std() == pytest.approx(a.std(), rel=0.05), m
        np.testing.assert_allclose(np.quantile(a, [0.025, 0.975]),
                                   np.quantile(b, [0.025, 0.975]), atol=0.04)


def test_same_seed_same_interval_other_seed_other_draws(small):
    y, s, t = small
    c = SortedScores(y, s).counts(t)
    a, b = threshold_metric_cis(c, seed=3), threshold_metric_cis(c, seed=3)
    other = threshold_metric_cis(c, seed=4)
    assert a.intervals == b.intervals
    assert any(a[m] != other[m] for m in METRIC_NAMES)


def test_interval_surrounds_the_estimate_and_narrows_with_n():
    def ci_width(n):
        c = ConfusionCounts(int(0.8 * n), int(0.1 * n), int(0.9 * n), int(0.2 * n))
        res = threshold_metric_cis(c, n_boot=2000)
        for m in METRIC_NAMES:
            assert res[m].low <= res.estimates[m] <= res[m].high, m
        return res["sensitivity"].high - res["sensitivity"].low

    w100, w10000 = ci_width(100), ci_width(10_000)
    assert w10000 < w100 / 5  # ~1/sqrt(n): 10x narrower expected


def test_sensitivity_interval_matches_binomial_quantiles():
    """TP ~ Bin(n_pos, sens): the percentile CI of sensitivity is its binomial quantiles."""
    from scipy.stats import binom

    c = ConfusionCounts(tp=40, fp=5, tn=45, fn=10)
    res = threshold_metric_cis(c, n_boot=40_000)
    expected = binom.ppf([0.025, 0.975], 50, 0.8) / 50
    np.testing.assert_allclose(tuple(res["sensitivity"]), expected, atol=0.021)


def test_boundary_estimate_gets_a_note_and_undefined_resamples_are_counted():
    res = threshold_metric_cis(ConfusionCounts(tp=20, fp=1, tn=30, fn=0))
    assert tuple(res["sensitivity"]) == (1.0, 1.0)
    assert "cannot" in res.notes["sensitivity"]
    rare = threshold_metric_cis(ConfusionCounts(tp=1, fp=0, tn=200, fn=30), n_boot=500)
    assert rare.n_undefined["precision"] > 0  # resamples in which nothing is called positive
    assert "left out" in rare.notes["precision"]


def test_undefined_estimate_gives_nan_interval():
    res = threshold_metric_cis(ConfusionCounts(tp=0, fp=3, tn=7, fn=0))  # no positives
    assert np.isnan(res["sensitivity"].low) and res.notes["sensitivity"]
    assert not np.isnan(res["specificity"].low)


def test_bad_parameters_are_refused():
    c = ConfusionCounts(1, 1, 1, 1)
    with pytest.raises(ValueError, match="n_boot"):
        threshold_metric_cis(c, n_boot=0)
    with pytest.raises(ValueError, match="alpha"):
        threshold_metric_cis(c, alpha=1.5)
    with pytest.raises(EvaluationError, match="empty"):
        threshold_metric_cis(ConfusionCounts(0, 0, 0, 0))


def test_paired_difference_of_a_run_with_itself_is_exactly_zero(small):
    y, s, t = small
    res = paired_bootstrap_difference(y, s, t, s, t, n_boot=300)
    for m in METRIC_NAMES:
        assert tuple(res[m]) == (0.0, 0.0)


def _sensitivity_of_resamples(y, s, t, idx):
    yb, pb = y[idx], s[idx] >= t
    return (pb & (yb == 1)).sum(axis=1) / (yb == 1).sum(axis=1)


def test_paired_difference_matches_brute_force_and_beats_unpaired(small):
    y, s, t = small
    rng = np.random.default_rng(9)
    s2 = np.clip(s + rng.normal(0, 0.1, s.size), 0, 1)
    res = paired_bootstrap_difference(y, s, t, s2, 0.5, n_boot=4000, seed=5)
    idx = stratified_bootstrap_indices(y, 4000, np.random.default_rng(6))
    paired = _sensitivity_of_resamples(y, s, t, idx) - _sensitivity_of_resamples(y, s2, 0.5, idx)
    np.testing.assert_allclose(tuple(res["sensitivity"]), np.quantile(paired, [0.025, 0.975]),
                               atol=0.08)
    est = np.mean(s[y == 1] >= t) - np.mean(s2[y == 1] >= 0.5)
    assert res.estimates["sensitivity"] == pytest.approx(est)
    # Ignoring the pairing (independent resamples per run) gives a wider interval.
    other = stratified_bootstrap_indices(y, 4000, np.random.default_rng(7))
    unpaired = _sensitivity_of_resamples(y, s, t, idx) - _sensitivity_of_resamples(
        y, s2, 0.5, other)
    width = res["sensitivity"].high - res["sensitivity"].low
    assert width < np.subtract(*np.quantile(unpaired, [0.975, 0.025]))


def test_chunking_does_not_change_the_distribution(monkeypatch, small):
    y, s, t = small
    pred = s >= t
    whole = index_bootstrap_counts(y, [pred], 3000, np.random.default_rng(0))[0]
    monkeypatch.setattr(bs, "_CHUNK_ELEMENTS", 100)  # 2 resamples per chunk
    chunked = index_bootstrap_counts(y, [pred], 3000, np.random.default_rng(0))[0]
    assert np.mean(whole.tp) == pytest.approx(np.mean(chunked.tp), abs=0.2)
    assert np.std(whole.tp) == pytest.approx(np.std(chunked.tp), rel=0.08)
    assert np.all(chunked.tp + chunked.fn == 13)


def test_paired_bootstrap_refuses_nan_thresholds(small):
    y, s, _ = small
    with pytest.raises(ValueError, match="threshold"):
        paired_bootstrap_difference(y, s, np.nan, s, 0.5)


def test_row_quantiles_equal_numpy_quantile_with_undefined_resamples():
    rng = np.random.default_rng(0)
    draws = rng.random((5, 101)).round(2)
    draws[1, :30] = np.nan
    draws[2, :] = np.nan
    draws[3, :100] = np.nan  # a single defined value
    n_finite = np.isfinite(draws).sum(axis=1)
    got = bs._row_quantiles(draws, n_finite, (0.025, 0.5, 0.975))
    for r in (0, 1, 3, 4):
        np.testing.assert_allclose(got[r], np.nanquantile(draws[r], (0.025, 0.5, 0.975)))
    assert np.isnan(got[2]).all()
