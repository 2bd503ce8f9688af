from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.display import ScoreSpec, score_distribution_figure
from core.evaluation.display.threshold import threshold_errors


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(3)
    y = (rng.random(500) < 0.2).astype(int)
    s1 = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    s2 = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
    return y, [ScoreSpec("A", y, s1), ScoreSpec("B", y, s2)]


def test_histograms_count_each_class_and_normalised_bars_sum_to_100(runs):
    y, specs = runs
    counts_fig = score_distribution_figure(specs, 0.5, bins=20, normalize=False)
    edges = np.linspace(0, 1, 21)
    neg_a, pos_a = counts_fig.data[0], counts_fig.data[1]
    assert list(neg_a.y) == np.histogram(specs[0].scores[y == 0], bins=edges)[0].tolist()
    assert list(pos_a.y) == np.histogram(specs[0].scores[y == 1], bins=edges)[0].tolist()
    share_fig = score_distribution_figure(specs, 0.5, bins=20)
    assert np.isclose(np.sum(share_fig.data[3].y), 100.0)
    assert share_fig.layout.yaxis.title.text == "% of class"
    assert [t.showlegend for t in share_fig.data] == [True, True, False, False]


def test_threshold_line_and_title_counts_per_run(runs):
    y, specs = runs
    fig = score_distribution_figure(specs, {"A": 0.45, "B": 0.6},
                                    class_names=("benign", "malignant"))
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(s.x0 for s in lines) == [0.45, 0.6]
    for spec, t, annotation in zip(specs, (0.45, 0.6), fig.layout.annotations):
        s = spec.scores
        missed = int(np.sum((y == 1) & (s < t)))
        flagged = int(np.sum((y == 0) & (s >= t)))
        assert f"{missed}/{int(y.sum())} malignant below" in annotation.text
        assert f"{flagged}/{int((y == 0).sum())} benign above" in annotation.text


def test_threshold_errors_use_score_at_least_threshold_as_positive():
    assert threshold_errors([1, 1, 0, 0], [0.5, 0.4, 0.5, 0.1], 0.5) == (1, 2, 1, 2)
    with pytest.raises(ValueError):
        threshold_errors([1, 2], [0.1, 0.2], 0.5)
