"""Cross-validated configurations ranked by AUC: each seed's mean over folds, the test part of
a difference the sum over folds of the paired DeLong variances / k^2 (computed here per fold,
independently of the module), and the hook in rank_by_auc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from core.evaluation import RunEvaluation
from core.evaluation.auc_ranking import rank_by_auc
from core.evaluation.cv_ranking import ALONE_CV, NO_COMPLETE_SEED, rank_cross_validated
from core.evaluation.delong import delong_components
from tests.evaluation.synth import make_predictions

K = 2


def _fold_frames(split_seed: int) -> list[pd.DataFrame]:
    """K disjoint test folds (their own sample ids), as a k-fold split gives them."""
    out = []
    for f in range(K):
        fr = make_predictions(n_test=120, n_val=0, seed=10 * split_seed + f)
        out.append(fr.assign(sample_id=[f"f{f}-{s}" for s in fr["sample_id"]]))
    return out


def _run(frame: pd.DataFrame, noise: float, seed: int) -> RunEvaluation:
    rng = np.random.default_rng(seed)
    p = np.clip(frame["prob_1"].to_numpy() + rng.normal(0, noise, len(frame)), 0.001, 0.999)
    return RunEvaluation.from_predictions(frame.assign(prob_1=p, prob_0=1 - p), n_boot=50)


@pytest.fixture(scope="module")
def folds():
    return _fold_frames(1)


def _grid(folds, noise, seeds):
    return [[_run(fr, noise, 100 * s + f) for f, fr in enumerate(folds)] for s in seeds]


def test_one_seed_each_is_the_paired_delong_test_summed_over_folds(folds):
    a, b = _grid(folds, 0.05, [0]), _grid(folds, 0.4, [1])
    (ranked,), left_out = rank_cross_validated({"A": a, "B": b})
    assert left_out == {}
    (d,) = ranked.ranking.adjacent
    auc = {n: np.mean([roc_auc_score(ev.test.y, ev.test.scores) for ev in g[0]])
           for n, g in (("A", a), ("B", b))}
    assert ranked.ranking.order == ("A", "B")
    assert d.difference == pytest.approx(auc["A"] - auc["B"])
    var = 0.0
    for f in range(K):
        c = delong_components(a[0][f].test.y, np.vstack([a[0][f].test.scores,
                                                          b[0][f].test.scores])).covariance
        var += (c[0, 0] + c[1, 1] - 2 * c[0, 1]) / K ** 2
    assert d.test_variance == pytest.approx(var)
    assert d.seed_variance == 0.0
    assert ranked.n_test == sum(len(fr) for fr in folds)


def test_seeds_are_their_fold_means_and_a_seed_missing_a_fold_is_left_out(folds):
    a, b = _grid(folds, 0.05, [0, 1, 2]), _grid(folds, 0.3, [3, 4])
    b.append([b[0][0], None])  # a third seed of B without its second fold
    (ranked,), _ = rank_cross_validated({"A": a, "B": b})
    s = ranked.ranking.summaries
    assert s["B"].n_seeds == 2 and s["A"].n_seeds == 3
    per_seed = [np.mean([ev.roc.auc for ev in row]) for row in a]
    assert s["A"].mean == pytest.approx(np.mean(per_seed))
    assert s["A"].sd == pytest.approx(np.std(per_seed, ddof=1))


def test_other_splits_are_not_ranked_together(folds):
    other = _fold_frames(2)
    sets, left_out = rank_cross_validated({"A": _grid(folds, 0.1, [0]),
                                           "B": _grid(other, 0.1, [0]),
                                           "C": [[None, None]]})
    assert sets == ()
    assert left_out == {"A": ALONE_CV, "B": ALONE_CV, "C": NO_COMPLETE_SEED}


def test_rank_by_auc_ranks_cross_validated_ones_given_their_fold_grids(folds):
    grids = {"A": _grid(folds, 0.05, [0, 1]), "B": _grid(folds, 0.3, [2, 3])}
    flat = {n: [ev for row in g for ev in row] for n, g in grids.items()}
    before = rank_by_auc(flat, cross_validated=["A", "B"])
    assert before.sets == () and set(before.left_out) == {"A", "B"}
    after = rank_by_auc(flat, cross_validated=["A", "B"], fold_grids=grids)
    assert after.left_out == {}
    (ranked,) = after.sets
    assert ranked.ranking == rank_cross_validated(grids)[0][0].ranking
