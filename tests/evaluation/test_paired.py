"""Paired comparison of two runs: alignment, McNemar, and the combined result."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest, chi2

from core.evaluation.delong import delong_test
from core.evaluation.errors import SampleMismatchError
from core.evaluation.frames import ScoredSamples
from core.evaluation.paired import align_runs, compare_paired, mcnemar_test


def _run(ids, y, s):
    return ScoredSamples(np.asarray(ids), np.asarray(y), np.asarray(s, float), "test")


@pytest.fixture
def two_runs():
    rng = np.random.default_rng(0)
    n = 300
    y = (rng.random(n) < 0.4).astype(int)
    ids = np.array([f"s{i}" for i in range(n)])
    a = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1)
    b = np.clip(a + rng.normal(0, 0.2, n), 0, 1)
    return ids, y, a, b


def test_order_is_aligned_by_sample_id(two_runs):
    ids, y, a, b = two_runs
    perm = np.random.default_rng(1).permutation(len(ids))
    ordered = compare_paired(_run(ids, y, a), _run(ids, y, b), 0.5, 0.4, n_boot=200)
    shuffled = compare_paired(_run(ids, y, a), _run(ids[perm], y[perm], b[perm]), 0.5, 0.4,
                              n_boot=200)
    assert shuffled.delong == ordered.delong
    assert shuffled.mcnemar == ordered.mcnemar
    assert shuffled.bootstrap.intervals == ordered.bootstrap.intervals
    assert ordered.delong.p_value == pytest.approx(delong_test(y, a, b).p_value)


def test_different_samples_are_refused_with_counts(two_runs):
    ids, y, a, b = two_runs
    other = ids.copy()
    other[:3] = ["x1", "x2", "x3"]
    with pytest.raises(SampleMismatchError, match="3 sample id.s. only in the first run, 3 only"):
        align_runs(_run(ids, y, a), _run(other, y, b))
    with pytest.raises(SampleMismatchError, match="0 sample id.s. only in the first run, 1 only"):
        align_runs(_run(ids[:-1], y[:-1], a[:-1]), _run(ids, y, b))


def test_same_ids_with_different_truth_are_refused(two_runs):
    ids, y, a, b = two_runs
    flipped = y.copy()
    flipped[:2] = 1 - flipped[:2]
    with pytest.raises(SampleMismatchError, match="2 of the same samples a different ground"):
        align_runs(_run(ids, y, a), _run(ids, flipped, b))


def test_repeated_ids_are_refused(two_runs):
    ids, y, a, b = two_runs
    dup = ids.copy()
    dup[1] = dup[0]
    with pytest.raises(SampleMismatchError, match="repeats 1"):
        align_runs(_run(dup, y, a), _run(ids, y, b))


def test_mcnemar_exact_for_few_discordant_pairs():
    a = np.array([1] * 30 + [1] * 7 + [0] * 2 + [0] * 5, bool)
    b = np.array([1] * 30 + [0] * 7 + [1] * 2 + [0] * 5, bool)
    res = mcnemar_test(a, b)
    assert (res.b, res.c, res.method) == (7, 2, "exact binomial")
    assert res.p_value == pytest.approx(binomtest(7, 9, 0.5).pvalue)
    assert res.p_value == pytest.approx(2 * sum(math.comb(9, k) for k in range(3)) / 2**9)


def test_mcnemar_chi_square_with_continuity_for_many_pairs():
    a = np.array([1] * 40 + [0] * 20 + [1] * 10, bool)
    b = np.array([0] * 40 + [1] * 20 + [1] * 10, bool)
    res = mcnemar_test(a, b)
    assert (res.b, res.c) == (40, 20) and res.method.startswith("chi-square")
    assert res.statistic == pytest.approx((20 - 1) ** 2 / 60)
    assert res.p_value == pytest.approx(chi2.sf(19**2 / 60, 1))


def test_mcnemar_without_discordant_pairs_says_so():
    res = mcnemar_test([True, False, True], [True, False, True])
    assert res.p_value == 1.0 and "no discordant" in res.reason


def test_mcnemar_is_at_each_runs_own_threshold(two_runs):
    ids, y, a, b = two_runs
    res = compare_paired(_run(ids, y, a), _run(ids, y, b), 0.6, 0.3, n_boot=100)
    right_a, right_b = (a >= 0.6) == y, (b >= 0.3) == y
    assert res.mcnemar.b == int(np.sum(right_a & ~right_b))
    assert res.mcnemar.c == int(np.sum(~right_a & right_b))
    assert res.bootstrap.estimates["accuracy"] == pytest.approx(right_a.mean() - right_b.mean())
