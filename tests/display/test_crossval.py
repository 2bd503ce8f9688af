from __future__ import annotations

import numpy as np

from core.evaluation.display import FoldCurves, crossval_roc_figure
from core.evaluation.display._style import ROLE_BAND, ROLE_CURVE, ROLE_FOLD, role_of, with_alpha

FOLDS = [
    ([0.0, 0.2, 1.0], [0.0, 0.8, 1.0]),
    ([0.0, 0.5, 1.0], [0.0, 0.6, 1.0]),
    ([0.0, 0.0, 0.4, 1.0], [0.0, 0.5, 0.9, 1.0]),
]


def _role(fig, role):
    return [t for t in fig.data if role_of(t) == role]


def test_folds_mean_and_band_are_drawn_with_mean_and_sd_in_the_legend():
    aucs = [0.9, 0.85, 0.8]
    fig = crossval_roc_figure([FoldCurves("A", FOLDS, aucs=aucs)], grid_points=11)
    assert len(_role(fig, ROLE_FOLD)) == 3
    (mean,) = _role(fig, ROLE_CURVE)
    assert mean.name == (f"A \u2014 mean AUC {np.mean(aucs):.2f} \u00b1 "
                         f"{np.std(aucs, ddof=1):.2f} (3 folds)")
    grid = np.linspace(0, 1, 11)
    per_fold = np.vstack([
        np.interp(grid, [0.0, 0.2, 1.0], [0.0, 0.8, 1.0]),
        np.interp(grid, [0.0, 0.5, 1.0], [0.0, 0.6, 1.0]),
        np.interp(grid, [0.0, 0.4, 1.0], [0.5, 0.9, 1.0]),  # top of the jump at fpr 0
    ])
    assert np.allclose(mean.y[1:], per_fold.mean(axis=0))
    assert (mean.x[0], mean.y[0]) == (0.0, 0.0)
    lower, upper = _role(fig, ROLE_BAND)
    sd = per_fold.std(axis=0, ddof=1)
    assert np.allclose(lower.y, np.clip(per_fold.mean(axis=0) - sd, 0, 1))
    assert np.allclose(upper.y, np.clip(per_fold.mean(axis=0) + sd, 0, 1))
    # The band fills to the trace right before it: its lower edge.
    traces = list(fig.data)
    assert upper.fill == "tonexty" and traces.index(upper) == traces.index(lower) + 1


def test_aucs_default_to_the_trapezoid_of_each_fold():
    fig = crossval_roc_figure([FoldCurves("A", FOLDS)], digits=3)
    aucs = [np.trapezoid(t, f) for f, t in FOLDS]
    (mean,) = _role(fig, ROLE_CURVE)
    assert f"mean AUC {np.mean(aucs):.3f} \u00b1 {np.std(aucs, ddof=1):.3f}" in mean.name


def test_a_single_fold_has_no_band_and_says_sd_is_not_available():
    fig = crossval_roc_figure([FoldCurves("A", FOLDS[:1])])
    assert _role(fig, ROLE_BAND) == []
    assert _role(fig, ROLE_CURVE)[0].name.endswith("\u00b1 n/a (1 fold)")


def test_runs_get_distinct_colours_shared_by_their_folds():
    fig = crossval_roc_figure([FoldCurves("A", FOLDS), FoldCurves("B", FOLDS[:2])])
    mean_a, mean_b = _role(fig, ROLE_CURVE)
    assert mean_a.line.color != mean_b.line.color
    folds_b = [t for t in _role(fig, ROLE_FOLD) if t.legendgroup == "B"]
    assert len(folds_b) == 2
    assert all(t.line.color == with_alpha(mean_b.line.color, 0.35) for t in folds_b)


def test_seed_replicates_are_named_seeds_in_legend_and_hover():
    fig = crossval_roc_figure([FoldCurves("A", FOLDS, aucs=[0.9, 0.85, 0.8], unit="seed",
                                          labels=["seed 0", "seed 1", "seed <b>7</b>"])])
    (mean,) = _role(fig, ROLE_CURVE)
    assert mean.name.endswith("(3 seeds)")
    folds = _role(fig, ROLE_FOLD)
    assert [t.name for t in folds[:2]] == ["seed 0", "seed 1"]
    assert folds[1].hovertemplate.startswith("seed 1 (AUC 0.850)")
    assert "<b>" not in folds[2].name  # a label is shown as text, never as markup


def test_the_default_unit_is_the_fold():
    fig = crossval_roc_figure([FoldCurves("A", FOLDS[:1])])
    assert _role(fig, ROLE_FOLD)[0].name == "fold 1"
    assert _role(fig, ROLE_CURVE)[0].name.endswith("(1 fold)")
