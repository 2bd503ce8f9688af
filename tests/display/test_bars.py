from __future__ import annotations

import numpy as np

from core.evaluation.display import Estimate, binary_per_class_metrics, metric_bars_figure
from core.evaluation.metrics import metrics_at_threshold


def test_bars_are_grouped_by_metric_with_asymmetric_intervals():
    values = {
        "A": {"sensitivity": (0.9, (0.82, 0.95)), "specificity": Estimate(0.7, (0.6, 0.75))},
        "B": {"sensitivity": 0.8, "specificity": (0.65, (0.5, 0.7))},
    }
    fig = metric_bars_figure(values)
    assert [t.name for t in fig.data] == ["A", "B"]
    assert fig.layout.barmode == "group"
    a, b = fig.data
    assert list(a.x) == ["sensitivity", "specificity"]
    assert np.allclose(a.y, [0.9, 0.7])
    assert a.error_y.symmetric is False
    assert np.allclose(a.error_y.array, [0.95 - 0.9, 0.75 - 0.7])
    assert np.allclose(a.error_y.arrayminus, [0.9 - 0.82, 0.7 - 0.6])
    # B's sensitivity has no interval: no error bar, not a zero-length fake one.
    assert np.isnan(b.error_y.array[0]) and np.isclose(b.error_y.array[1], 0.05)
    assert a.marker.color != b.marker.color
    assert list(a.customdata) == ["0.900 (0.820\u20130.950)", "0.700 (0.600\u20130.750)"]


def test_metric_order_is_given_order_and_missing_or_nan_reads_na():
    values = {"A": {"f1": float("nan"), "mcc": 0.4}, "B": {"mcc": 0.2}}
    fig = metric_bars_figure(values, metrics=["mcc", "f1"], colours={"B": "#010203"})
    a, b = fig.data
    assert list(a.x) == ["mcc", "f1"]
    assert list(a.y) == [0.4, 0.0] and list(a.text) == ["", "n/a"]
    assert list(b.text) == ["", "n/a"] and list(b.customdata) == ["0.200", "n/a"]
    assert b.marker.color == "#010203"


def test_interval_not_containing_its_estimate_is_clipped_not_inverted():
    fig = metric_bars_figure({"A": {"auc": (0.5, (0.55, 0.6))}})
    assert fig.data[0].error_y.arrayminus[0] == 0.0
    assert np.isclose(fig.data[0].error_y.array[0], 0.1)


def test_binary_per_class_maps_to_the_right_underlying_metrics():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 0, 1, 0])
    s = np.array([0.1, 0.2, 0.6, 0.3, 0.8, 0.4, 0.9, 0.7, 0.65, 0.05])
    m = metrics_at_threshold(y, s, 0.5).as_dict()
    per_class = binary_per_class_metrics(m, {"npv": (0.1, 0.9)}, ("benign", "malignant"))
    assert per_class["precision \u00b7 benign"] == Estimate(m["npv"], (0.1, 0.9))
    assert per_class["precision \u00b7 malignant"].value == m["precision"]
    assert per_class["sensitivity \u00b7 benign"].value == m["specificity"]
    assert per_class["sensitivity \u00b7 malignant"].value == m["sensitivity"]
    assert per_class["specificity \u00b7 benign"].value == m["sensitivity"]
    assert per_class["specificity \u00b7 malignant"].value == m["specificity"]
    fig = metric_bars_figure({"run": per_class})
    assert len(fig.data[0].x) == 6
