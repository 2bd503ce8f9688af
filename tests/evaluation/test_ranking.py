"""Saying who wins: Holm against hand-worked p-values, the ranking's differences and sentences
against hand computation and the paired DeLong test, the power note against its formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from scipy.stats import t as student_t

from core.evaluation.delong import delong_components, delong_test
from core.evaluation.multitest import holm, holm_interval_levels
from core.evaluation.power import separating_test_size
from core.evaluation.ranking import ONE_SEED_DIFF, pairwise_differences, rank_configurations


def test_holm_hand_worked():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    h = holm([0.01, 0.04, 0.03, 0.005])
    assert h.adjusted == pytest.approx((0.03, 0.06, 0.06, 0.02))
    assert h.raw == (0.01, 0.04, 0.03, 0.005) and h.n_comparisons == 4
    assert h.rejected == (True, False, False, True)


def test_holm_interval_levels_hand_worked():
    # sorted 0.005 (0.05/4: rejected), 0.01 (0.05/3: rejected), 0.03 (0.05/2: not: Holm stops),
    # 0.04 after the stop: the level of the failed step, 0.05/2
    assert holm_interval_levels([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        (0.05 / 3, 0.025, 0.025, 0.0125))
    assert holm_interval_levels([0.2]) == (0.05,)
    assert holm_interval_levels([0.2, float("nan")], alpha=0.1) == (0.1, 0.1)


def test_holm_caps_at_one_and_an_undefined_test_is_not_a_comparison():
    assert holm([0.5, 0.6]).adjusted == (1.0, 1.0)
    h = holm([0.02, float("nan"), 0.04])
    assert h.n_comparisons == 2
    assert h.adjusted[0] == pytest.approx(0.04) and h.adjusted[2] == pytest.approx(0.04)
    assert math.isnan(h.adjusted[1])
    with pytest.raises(ValueError):
        holm([1.5])


VALUES = {"A": [0.90, 0.92, 0.94], "B": [0.86, 0.88, 0.90], "C": [0.70, 0.71, 0.72]}


def test_adjacent_difference_hand_worked_without_test_covariance():
    r = rank_configurations({"B": VALUES["B"], "A": VALUES["A"]})
    assert r.order == ("A", "B")
    d = r.adjacent[0]
    # seed part 0.02^2/3 * 2; Welch df = (2v)^2 / (2 v^2 / 2) = 4
    se = math.sqrt(2 * 0.0004 / 3)
    assert d.difference == pytest.approx(0.04) and d.se == pytest.approx(se)
    assert d.df == pytest.approx(4.0)
    half = student_t.ppf(0.975, 4) * se
    assert d.ci.low == pytest.approx(0.04 - half) and d.ci.high == pytest.approx(0.04 + half)
    assert d.p_value == pytest.approx(2 * student_t.sf(0.04 / se, 4))
    assert r.sentences == ("A and B are not distinguishable on this test set (difference "
                           "0.04, CI \u22120.01\u20130.09)",)


def test_three_configurations_are_holm_corrected_as_one_family():
    r = rank_configurations(VALUES)
    assert r.order == ("A", "B", "C") and r.holm.n_comparisons == 2
    ab, bc = r.adjacent
    assert bc.distinguishable and not ab.distinguishable
    assert bc.p_adjusted == pytest.approx(min(1, max(2 * bc.p_value, 0)))
    # B - C has the smaller p: Holm's first step, tested at 0.05 / 2, so its interval is 97.5%
    assert bc.ci_alpha == pytest.approx(0.025) and ab.ci_alpha == pytest.approx(0.05)
    half = student_t.ppf(1 - 0.025 / 2, bc.df) * bc.se
    assert bc.ci == pytest.approx((bc.difference - half, bc.difference + half))
    assert r.sentences[1].startswith("B > C (difference 0.17, Holm-consistent 97.5% CI 0.12\u2013"
                                     "0.22; Holm-adjusted p ")
    assert r.sentences[1].endswith(" over 2 comparisons)")


def test_lower_is_better_ranks_the_smaller_mean_first_and_says_less_than():
    r = rank_configurations({"A": [0.3, 0.31, 0.32], "B": [0.1, 0.11, 0.12]},
                            metric="Brier", higher_is_better=False)
    assert r.order == ("B", "A")
    assert r.adjacent[0].difference == pytest.approx(-0.2) and r.adjacent[0].ci.high < 0
    assert r.sentences[0].startswith("B < A (difference \u22120.20, 95% CI \u22120.")


def test_one_run_each_with_delong_covariance_is_the_paired_delong_test():
    rng = np.random.default_rng(5)
    y = (rng.random(400) < 0.3).astype(int)
    sa, sb = y * 1.4 + rng.normal(0, 1, 400), y * 1.0 + rng.normal(0, 1, 400)
    comp = delong_components(y, np.vstack([sa, sb]))
    r = rank_configurations({"a": [comp.aucs[0]], "b": [comp.aucs[1]]},
                            test_covariance=comp.covariance)
    ref = delong_test(y, sa, sb)
    d = r.adjacent[0]
    assert d.p_value == pytest.approx(ref.p_value)
    assert d.ci == pytest.approx((ref.ci_low, ref.ci_high))
    assert d.note == ONE_SEED_DIFF


def test_seed_and_test_parts_add_and_one_seed_without_covariance_cannot_be_compared():
    cov = np.diag([1e-4] * 6)  # independent runs: w'Cw = 1e-4 * (3/9 + 3/9)
    diffs, h = pairwise_differences({"A": VALUES["A"], "B": VALUES["B"]}, test_covariance=cov)
    assert diffs[0].test_variance == pytest.approx(2e-4 / 3)
    assert diffs[0].seed_variance == pytest.approx(2 * 0.0004 / 3) and h.n_comparisons == 1
    ranked = rank_configurations({"A": VALUES["A"], "B": VALUES["B"]}, test_covariance=cov)
    assert ranked.summaries["A"].test_variance == pytest.approx(1e-4 / 3)  # its own block
    # one seed against three: the known seed spread (B's) is kept, A's is said to be unknown
    one = rank_configurations({"A": [0.95], "B": VALUES["B"]}, test_covariance=np.eye(4) * 1e-4)
    assert one.adjacent[0].seed_variance == pytest.approx(0.0004 / 3)
    assert one.adjacent[0].note == ONE_SEED_DIFF
    r = rank_configurations({"A": [0.9], "B": [0.8]})
    assert math.isnan(r.adjacent[0].ci.low) and "cannot be compared" in r.sentences[0]
    with pytest.raises(ValueError):
        rank_configurations(VALUES, test_covariance=np.eye(3))


def test_power_note_hand_worked():
    z = 1.959964 + 0.841621
    note = separating_test_size(0.04, 0.0, 0.0004, 200)
    assert note.n_required == math.ceil(200 * 0.0004 / (0.04 / z) ** 2) == 393
    assert "about 393 samples" in note.sentence
    assert "about 2.0 times the current 200" in note.sentence
    assert separating_test_size(0.04, 0.0001, 0.0004, 200).n_required == 771
    assert separating_test_size(0.04, 0.0, 0.0004, 200, power=0.5).n_required == 193
    assert "large enough" in separating_test_size(0.04, 0.0, 0.0004, 200, power=0.5).sentence


def test_power_note_says_when_no_test_set_can_separate():
    seeds = separating_test_size(0.04, 0.0003, 0.0004, 200)
    assert seeds.n_required is None and "more seeds" in seeds.sentence
    assert separating_test_size(0.0, 0.0, 0.0004, 200).n_required is None
    assert separating_test_size(float("nan"), 0.0, 0.0004, 200).n_required is None


def _disagreeing_family() -> dict[str, list[float]]:
    """Four configurations, one run each, independent runs of variance 1/2 (so every adjacent
    difference has se 1 and a normal test): raw p 0.001, 0.03, 0.04. Holm: 0.003, 0.06, 0.06.
    Unadjusted, the 95% intervals of B - C and C - D exclude 0 next to "not distinguishable"."""
    z = [float(norm.isf(p / 2)) for p in (0.001, 0.03, 0.04)]
    return {"A": [z[0] + z[1] + z[2]], "B": [z[1] + z[2]], "C": [z[2]], "D": [0.0]}


def test_the_interval_shown_never_contradicts_the_holm_verdict():
    r = rank_configurations(_disagreeing_family(), test_covariance=np.eye(4) / 2)
    ab, bc, cd = r.adjacent
    assert [d.p_value for d in r.adjacent] == pytest.approx([0.001, 0.03, 0.04])
    assert [d.p_adjusted for d in r.adjacent] == pytest.approx([0.003, 0.06, 0.06])
    for d in (bc, cd):  # what the unadjusted interval said: 0 excluded
        assert d.difference - norm.ppf(0.975) * d.se > 0
    assert [d.distinguishable for d in r.adjacent] == [True, False, False]
    assert [d.ci.low > 0 for d in r.adjacent] == [True, False, False]
    # levels: A - B at Holm's first step (0.05 / 3); Holm stops at B - C (0.05 / 2); C - D
    # (p 0.04 < 0.05 on its own step) keeps the failed step's 0.05 / 2
    assert [d.ci_alpha for d in r.adjacent] == pytest.approx([0.05 / 3, 0.025, 0.025])
    assert cd.ci.low == pytest.approx(cd.difference - norm.ppf(1 - 0.0125))
    assert r.sentences[2] == ("C and D are not distinguishable on this test set (difference 2.05, "
                              "Holm-consistent 97.5% CI \u22120.19\u20134.30; Holm-adjusted p "
                              "0.060 over 3 comparisons)")
    assert r.sentences[0].startswith("A > B (difference 3.29, Holm-consistent 98.33% CI ")
