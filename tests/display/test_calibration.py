from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.calibration import compute_calibration
from core.evaluation.display import CalibrationSpec, reliability_figure
from core.evaluation.display._style import ROLE_CURVE, ROLE_HISTOGRAM, ROLE_REFERENCE, role_of


@pytest.fixture(scope="module")
def two_results():
    rng = np.random.default_rng(7)
    s = rng.random(2000)
    y = (rng.random(2000) < s).astype(int)
    over = np.clip(s * 1.3, 0, 1)  # over-confident copy
    return compute_calibration(y, s), compute_calibration(y, over, n_bins=5)


def test_points_legend_and_counts_come_from_the_results(two_results):
    good, bad = two_results
    fig = reliability_figure([CalibrationSpec.from_result("good", good),
                              CalibrationSpec.from_result("bad", bad)])
    curves = [t for t in fig.data if role_of(t) == ROLE_CURVE]
    assert [t.name for t in curves] == [
        f"good \u2014 Brier {good.brier:.3f} \u00b7 ECE {good.ece:.3f}",
        f"bad \u2014 Brier {bad.brier:.3f} \u00b7 ECE {bad.ece:.3f}",
    ]
    assert np.allclose(curves[0].x, good.prob_pred) and np.allclose(curves[0].y, good.prob_true)
    assert list(curves[1].customdata) == bad.bin_counts.tolist()
    (diag,) = [t for t in fig.data if role_of(t) == ROLE_REFERENCE]
    assert list(diag.x) == [0, 1] and list(diag.y) == [0, 1]


def test_marker_area_grows_with_bin_count_on_a_shared_scale(two_results):
    good, bad = two_results
    fig = reliability_figure([CalibrationSpec.from_result("g", good),
                              CalibrationSpec.from_result("b", bad)])
    curves = [t for t in fig.data if role_of(t) == ROLE_CURVE]
    counts = np.concatenate([good.bin_counts, bad.bin_counts])
    sizes = np.concatenate([curves[0].marker.size, curves[1].marker.size])
    order = np.argsort(counts, kind="stable")
    assert (np.diff(sizes[order]) >= 0).all()
    assert np.isclose(sizes[np.argmax(counts)], sizes.max())


def test_histogram_panel_shows_the_bin_counts_below(two_results):
    _, bad = two_results
    fig = reliability_figure([CalibrationSpec.from_result("b", bad)], show_histogram=True)
    (bars,) = [t for t in fig.data if role_of(t) == ROLE_HISTOGRAM]
    assert list(bars.y) == bad.bin_counts.tolist()
    centres = (bad.bin_edges[bad.bin_index] + bad.bin_edges[bad.bin_index + 1]) / 2
    assert np.allclose(bars.x, centres)
    assert bars.yaxis == "y2"


def test_histogram_without_bin_layout_is_refused():
    spec = CalibrationSpec("x", [0.2, 0.8], [0.1, 0.9], [10, 10], brier=0.1, ece=0.1)
    assert len(reliability_figure([spec]).data) == 2
    with pytest.raises(ValueError, match="bin_edges"):
        reliability_figure([spec], show_histogram=True)
