"""The per-configuration PR figure draws seed_mean_pr's numbers, checked on hand-worked curves."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.curves import compute_pr
from core.evaluation.display.seed_pr import SeedPrCurves, seed_pr_figure


def _roles(fig, role):
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def test_mean_band_legend_and_baseline_from_two_seeds():
    y = np.array([0, 0, 1, 1])
    perfect = compute_pr(y, np.array([0.1, 0.2, 0.8, 0.9]))   # AP 1
    worst = compute_pr(y, np.array([0.9, 0.8, 0.2, 0.1]))     # AP .5 * 1/3 + .5 * .5 = 5/12
    fig = seed_pr_figure([SeedPrCurves("A", [perfect, worst], ["seed 0", "seed 1"])], n_grid=3)
    (curve,) = _roles(fig, "curve")
    # Recall grid 0, 0.5, 1: the perfect seed's precision is 1 everywhere; the worst seed's is
    # 1 at recall 0 (scikit-learn's end point), 1/3 at recall 0.5 (both negatives and one
    # positive above the cut) and 1/2 at recall 1 (all four predicted positive).
    assert list(curve.x) == [0.0, 0.5, 1.0]
    assert list(curve.y) == pytest.approx([1.0, 2 / 3, 0.75])
    # mean AP (1 + 5/12) / 2 = 0.708, sample SD of (1, 5/12) = 0.412
    assert curve.name == "A \u2014 mean AP 0.71 \u00b1 0.41 (2 seeds)"
    lower, upper = _roles(fig, "band")
    sd = np.std([[1, 1, 1], [1, 1 / 3, 0.5]], axis=0, ddof=1)
    mean = np.array([1.0, 2 / 3, 0.75])
    assert list(upper.y) == pytest.approx(np.clip(mean + sd, 0, 1))
    assert list(lower.y) == pytest.approx(mean - sd)
    (baseline,) = _roles(fig, "reference")
    assert list(baseline.y) == [0.5, 0.5]
    assert len(_roles(fig, "fold")) == 2


def test_one_seed_has_no_band_and_no_spread():
    y = np.array([0, 1, 1])
    pr = compute_pr(y, np.array([0.2, 0.6, 0.9]))
    fig = seed_pr_figure([SeedPrCurves("B", [pr], ["seed 0"])])
    assert not _roles(fig, "band")
    assert _roles(fig, "curve")[0].name.endswith("(1 seed)")


def test_bad_input_is_refused():
    pr = compute_pr(np.array([0, 1]), np.array([0.1, 0.9]))
    with pytest.raises(ValueError):
        seed_pr_figure([])
    with pytest.raises(ValueError):
        seed_pr_figure([SeedPrCurves("A", [pr], [])])
