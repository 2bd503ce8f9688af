"""Weighting and Errors pages through AppTest on the trained store; every page on an empty one."""

from __future__ import annotations

import pytest

from core.evaluation import RunEvaluation, misclassified
from dashboard.text import as_read
from tests.dashboard.conftest import chart_by_title, no_exception, open_page


@pytest.mark.parametrize("page", ["pages/compare.py", "pages/weighting.py", "pages/errors.py"])
def test_empty_store_says_what_to_do(empty_store, page):
    at = open_page(page)
    no_exception(at)
    assert any("train them on the Train page" in i.value for i in at.info)
    home = ["home"] if page == "pages/compare.py" else []  # Compare also offers the demo
    assert [p.proto.page for p in at.get("page_link")] == ["train", *home]
    assert not at.get("plotly_chart")


def _evaluation(store, run_id) -> RunEvaluation:
    run = store.get(run_id)
    return RunEvaluation.from_predictions(run.predictions(), run.record["positive_index"])


def test_weighting_compares_class_weight_with_none(store_env, runs):
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_initial"})
    no_exception(at)
    none = _evaluation(store_env, runs[("idc_initial", "none")])
    weighted = _evaluation(store_env, runs[("idc_initial", "class_weight")])
    effects = next(df.value for df in at.dataframe if "class_weight" in df.value.columns)
    auc_row = effects[effects["metric"] == "AUC"].iloc[0]
    delong = weighted.compare(none, 0.5, 0.5).delong
    assert auc_row["none"].startswith(f"{none.auc.auc:.3f}")
    assert auc_row["class_weight"].startswith(f"{weighted.auc.auc:.3f}")
    assert f"Δ {delong.difference:+.3f}" in auc_row["class_weight"]
    roc = chart_by_title(at, "ROC curves")
    assert [t["meta"]["run"] for t in roc["data"] if t["meta"]["role"] == "curve"] == [
        "none", "class_weight"]
    study = next(df.value for df in at.dataframe if "Original Model" in df.value.columns)
    assert list(study.columns) == ["Metrics", "Original Model", "Our Model", "Weight Balance",
                                   "Xception"]
    accuracy = study.set_index("Metrics").loc["Accuracy", "Original Model"]
    assert accuracy == f"{100 * none.at(0.5).metrics.accuracy:.0f}%"
    assert study.set_index("Metrics").loc["Time to train (s)", "Xception"].startswith(
        "not trained")


def test_weighting_with_one_strategy_names_what_to_train(store_env):
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_own"})
    no_exception(at)
    message = " ".join(as_read(i.value) for i in at.info)
    assert "class_weight" in message and "Train page" in message
    assert not at.get("plotly_chart")


def test_errors_lists_the_cores_misclassified_images(store_env, runs):
    rid = runs[("idc_initial", "class_weight")]
    at = open_page("pages/errors.py", {"run": rid, "t": "youden"})
    no_exception(at)
    ev = _evaluation(store_env, rid)
    t = ev.choose_threshold("youden").threshold
    counts = ev.at(t).metrics.counts
    assert as_read(at.subheader[0].value) == (
        f"{counts.fn + counts.fp} of {ev.test.n} test images misclassified at threshold {t:.3f}")
    expected = misclassified(ev, t, ("benign", "malignant"))
    assert expected["kind"].iloc[0] == "false negative"  # missed cancers first
    links = at.get("page_link")
    assert links and all(p.proto.page == "explain" for p in links)
    first = links[0].proto.query_string
    assert f"run={rid}" in first and "t=youden" in first
    from urllib.parse import parse_qs

    assert parse_qs(first)["sample"] == [expected["sample_id"].iloc[0]]
    images = at.get("image")
    assert len(images) == min(12, len(expected))  # one thumbnail per card on the first page
    assert all(img.value and img.value[0] for img in images)
    assert not [c.value for c in at.caption if c.value.startswith("No image")]


def test_misclassified_matches_counts_and_order(store_env, runs):
    ev = _evaluation(store_env, runs[("idc_initial", "none")])
    for t in (0.2, 0.5, 0.8):
        table = misclassified(ev, t, ("benign", "malignant"))
        counts = ev.at(t).metrics.counts
        assert (table["kind"] == "false negative").sum() == counts.fn
        assert (table["kind"] == "false positive").sum() == counts.fp
        fn = table[table["kind"] == "false negative"]
        assert (fn["score"] < t).all() and fn["score"].is_monotonic_increasing
        fp = table[table["kind"] == "false positive"]
        assert (fp["score"] >= t).all() and fp["score"].is_monotonic_decreasing
