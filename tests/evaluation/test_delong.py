"""DeLong AUC, variance, CI and the paired test, against independent references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu

from core.evaluation.bootstrap import stratified_bootstrap_indices
from core.evaluation.delong import delong_auc, delong_components, delong_test
from core.evaluation.errors import EvaluationError, SingleClassError
from tests.evaluation.synth import binormal_scores

samples = st.integers(min_value=3, max_value=70).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
        st.lists(st.sampled_from([0.0, 0.2, 0.3, 0.3, 0.7, 0.9, 1.0]) | st.floats(0, 1),
                 min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None, database=None, derandomize=True)
@given(samples)
def test_auc_equals_mann_whitney_u(data):
    y, s = np.asarray(data[0]), np.asarray(data[1])
    m, n = int(y.sum()), int((1 - y).sum())
    u = mannwhitneyu(s[y == 1], s[y == 0], alternative="two-sided").statistic
    assert delong_auc(y, s).auc == pytest.approx(u / (m * n))


def _brute_components(y, s):
    """The textbook O(m n) kernel psi(x, y) = 1 if x > y, 1/2 if equal."""
    x, z = s[y == 1], s[y == 0]
    psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def test_components_and_variance_match_brute_force_with_ties():
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.1, 0.4, 0.4, 0.4, 0.3, 0.8, 0.8, 0.05, 0.6, 0.2])
    v10, v01 = _brute_components(y, s)
    comp = delong_components(y, s)
    np.testing.assert_allclose(comp.v10[0], v10)
    np.testing.assert_allclose(comp.v01[0], v01)
    m, n = len(v10), len(v01)
    expected = np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n
    res = delong_auc(y, s)
    assert res.variance == pytest.approx(expected)
    assert res.auc == pytest.approx(v10.mean())


def test_paired_covariance_matches_brute_force():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 40)
    a, b = rng.random(40) + 0.5 * y, (rng.random(40) + 0.3 * y).round(1)
    a10, a01 = _brute_components(y, a)
    b10, b01 = _brute_components(y, b)
    m, n = len(a10), len(a01)
    cov = np.cov(a10, b10)[0, 1] / m + np.cov(a01, b01)[0, 1] / n
    var = (np.var(a10, ddof=1) + np.var(b10, ddof=1) - 2 * np.cov(a10, b10)[0, 1]) / m + (
        np.var(a01, ddof=1) + np.var(b01, ddof=1) - 2 * np.cov(a01, b01)[0, 1]) / n
    res = delong_test(y, a, b)
    assert delong_components(y, np.vstack((a, b))).covariance[0, 1] == pytest.approx(cov)
    assert res.variance == pytest.approx(var)
    assert res.difference == pytest.approx(a10.mean() - b10.mean())


def _bootstrap_auc_var(y, s, n_boot, seed):
    rng = np.random.default_rng(seed)
    idx = stratified_bootstrap_indices(y, n_boot, rng)
    aucs = [delong_components(y[i], s[i]).aucs[0] for i in idx]
    return np.var(aucs, ddof=1)


def test_variance_agrees_with_bootstrap_variance():
    rng = np.random.default_rng(7)
    y = (rng.random(600) < 0.4).astype(int)
    s = binormal_scores(y, rng, shift=1.2)
    boot = _bootstrap_auc_var(y, s, 1500, seed=1)
    assert delong_auc(y, s).variance == pytest.approx(boot, rel=0.10)


def test_logit_ci_is_inside_unit_interval_and_asymmetric_near_one():
    rng = np.random.default_rng(2)
    y = (rng.random(60) < 0.5).astype(int)
    s = binormal_scores(y, rng, shift=3.5)
    res = delong_auc(y, s)
    plain = delong_auc(y, s, ci_method="plain")
    assert 0 < res.ci_low < res.auc < res.ci_high < 1
    assert res.ci_high - res.auc < res.auc - res.ci_low  # squeezed towards 1
    assert plain.ci_high <= 1.0
    assert plain.auc - plain.ci_low == pytest.approx(1.96 * plain.se, rel=1e-3)


def test_ci_coverage_is_close_to_nominal():
    """Simulated coverage of the 95% logit CI for a known true AUC (binormal model)."""
    from scipy.stats import norm

    shift = 1.5
    true_auc = norm.cdf(shift / np.sqrt(2))
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(300):
        y = (rng.random(150) < 0.4).astype(int)
        res = delong_auc(y, binormal_scores(y, rng, shift))
        hits += res.ci_low <= true_auc <= res.ci_high
    assert 0.90 <= hits / 300 <= 0.99


def test_paired_test_keeps_its_size_under_the_null():
    """Two equally good, correlated runs: about 5% of tests should reject at 0.05."""
    rng = np.random.default_rng(5)
    rejections = 0
    for _ in range(400):
        y = (rng.random(120) < 0.5).astype(int)
        shared = rng.normal(size=120) + 1.2 * y
        a, b = shared + rng.normal(size=120), shared + rng.normal(size=120)
        rejections += delong_test(y, a, b).p_value < 0.05
    assert 0.02 <= rejections / 400 <= 0.09


def test_paired_test_detects_a_real_difference():
    rng = np.random.default_rng(6)
    y = (rng.random(800) < 0.5).astype(int)
    good, bad = binormal_scores(y, rng, 2.0), binormal_scores(y, rng, 0.8)
    res = delong_test(y, good, bad)
    assert res.difference > 0 and res.p_value < 1e-6
    assert res.ci_low < res.difference < res.ci_high
    flipped = delong_test(y, bad, good)
    assert flipped.z == pytest.approx(-res.z) and flipped.p_value == pytest.approx(res.p_value)


def test_identical_runs_give_p_one_with_reason():
    y, s = np.array([0, 1, 0, 1, 1, 0]), np.array([0.1, 0.8, 0.3, 0.6, 0.2, 0.25])
    res = delong_test(y, s, s * 0.5)  # same ranking
    assert res.p_value == 1.0 and res.difference == 0.0
    assert "identically" in res.reason


def test_perfect_separation_and_tiny_classes_give_nan_ci_with_reason():
    perfect = delong_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert perfect.auc == 1.0 and np.isnan(perfect.ci_low) and "perfect" in perfect.reason
    one_pos = delong_auc([0, 0, 1], [0.1, 0.5, 0.3])
    assert one_pos.auc == 0.5 and np.isnan(one_pos.variance) and ">= 2 positives" in one_pos.reason


def test_all_scores_equal_gives_half_and_no_interval():
    res = delong_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    assert res.auc == 0.5 and res.variance == 0 and np.isnan(res.ci_high)
    assert "variance is 0" in res.reason


def test_degenerate_inputs_raise():
    with pytest.raises(SingleClassError):
        delong_auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(EvaluationError, match="NaN"):
        delong_auc([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(EvaluationError, match="shape"):
        delong_test([0, 1, 1], [0.1, 0.2, 0.3], [0.1, 0.2])
