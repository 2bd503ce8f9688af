"""Compare page through AppTest on three real trained runs: numbers equal the evaluation core's.

One AppTest session is shared by the tests of this module (each page run costs seconds on
two cores); the tests run in file order and each sets the widgets it relies on.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from core.evaluation import RunEvaluation, compare_runs
from core.evaluation.clustering import image_clustering
from core.evaluation.display import format_p
from core.evaluation.multitest import holm
from dashboard.data import run_label
from dashboard.text import as_read
from tests.dashboard.conftest import (
    chart_by_title,
    chart_specs,
    confusion_counts,
    no_exception,
    open_page,
)

PAGE = "pages/compare.py"


@pytest.fixture(scope="module")
def expected(store_env):
    """Evaluations computed here, straight from the stored predictions (not the app's caches)."""
    out = {}
    for row in store_env.list_runs().itertuples():
        run = store_env.get(row.run_id)
        ev = RunEvaluation.from_predictions(run.predictions(), run.record["positive_index"])
        out[row.run_id] = (run_label(row._asdict()), ev)
    return out


@pytest.fixture(scope="module")
def at(store_env, runs):
    ids = ",".join(runs.values())
    return open_page(PAGE, {"runs": ids})


def metrics_frame(at) -> pd.DataFrame:
    for df in at.dataframe:
        if "tp" in df.value.columns:
            return df.value
    raise AssertionError("no metrics table on the page")


@contextmanager
def on_tab(at, tab: str):
    """``at`` with ``tab`` of the Compare page open (AppTest draws only the open tab), then the
    Overview again: the module's page is shared by its tests."""
    at.session_state["view"] = tab
    try:
        yield at.run()
    finally:
        at.session_state["view"] = "Overview"
        at.run()


def curve_runs(spec: dict) -> list[str]:
    return [t["meta"]["run"] for t in spec["data"] if (t.get("meta") or {}).get("role") == "curve"]


def markers(spec: dict) -> dict[str, tuple[float, float]]:
    return {t["meta"]["run"]: (t["x"][0], t["y"][0]) for t in spec["data"]
            if (t.get("meta") or {}).get("role") == "operating_point"}


def test_renders_all_runs_with_synthetic_warning(at, expected):
    no_exception(at)
    names = [name for name, _ in expected.values()]
    assert any("SYNTHETIC" in w.value for w in at.warning)
    assert at.query_params["t"] == "0.5"
    with on_tab(at, "Curves"):
        assert sorted(curve_runs(chart_by_title(at, "ROC curves"))) == sorted(names)


def test_free_threshold_sets_counts_to_the_cores(at, expected):
    at.radio(key="compare.threshold.preset").set_value("Free value").run()  # slider live
    at.slider(key="compare.threshold.value").set_value(0.31).run()
    no_exception(at)
    assert at.radio(key="compare.threshold.preset").value == "Free value"
    assert at.query_params["t"] == "0.31"
    shown = confusion_counts(at)
    table = metrics_frame(at).set_index("run")
    with on_tab(at, "Curves"):
        roc = markers(chart_by_title(at, "ROC curves"))
    for name, ev in expected.values():
        point = ev.at(0.31)
        m = point.metrics.confusion_matrix()
        np.testing.assert_array_equal(shown[name], m)
        assert [int(table.loc[name, c]) for c in ("tn", "fp", "fn", "tp")] == m.ravel().tolist()
        assert roc[name] == pytest.approx(point.roc_point)


def test_a_stale_url_never_undoes_a_slider_move(store_env, runs):
    """Rapid key presses: a rerun may carry the URL from before the previous rerun's write."""
    at = open_page(PAGE, {"runs": runs[("idc_own", "none")], "t": "0.5"})
    at.radio(key="compare.threshold.preset").set_value("Free value").run()  # slider live
    at.slider(key="compare.threshold.value").set_value(0.31).run()
    at.query_params["t"] = "0.5"  # the browser has not applied t=0.31 yet
    at.slider(key="compare.threshold.value").set_value(0.30).run()
    no_exception(at)
    assert at.slider(key="compare.threshold.value").value == pytest.approx(0.30)
    assert at.query_params["t"] == "0.3"
    at.query_params["t"] = "youden"  # a value this session never wrote: a new link wins
    at.run()
    assert at.radio(key="compare.threshold.preset").value == "Youden's J (val)"


def test_youden_preset_is_chosen_per_run_on_validation(at, expected):
    at.radio(key="compare.threshold.preset").set_value("Youden's J (val)").run()
    no_exception(at)
    assert at.query_params["t"] == "youden"
    thresholds = next(df.value for df in at.dataframe if "how" in df.value.columns)
    shown = confusion_counts(at)
    for name, ev in expected.values():
        t = ev.choose_threshold("youden").threshold
        row = thresholds[thresholds["run"] == name].iloc[0]
        assert row["threshold"] == pytest.approx(round(t, 4))
        np.testing.assert_array_equal(shown[name], ev.at(t).metrics.confusion_matrix())


def test_selecting_runs_changes_the_figures(at, expected, runs):
    keep = [runs[("idc_initial", "none")], runs[("idc_own", "none")]]
    at.multiselect(key="compare.runs").set_value(keep).run()
    no_exception(at)
    names = [expected[i][0] for i in keep]
    assert sorted(confusion_counts(at)) == sorted(names)
    with on_tab(at, "Curves"):
        assert curve_runs(chart_by_title(at, "ROC curves")) == names
        assert curve_runs(chart_by_title(at, "Precision-recall")) == names
    assert at.query_params["runs"] == ",".join(keep)


def test_paired_tests_tab_shows_the_cores_p_values(at, expected):
    at.session_state["view"] = "Paired tests"
    at.run()
    no_exception(at)
    ids = at.multiselect(key="compare.runs").value
    core = compare_runs({expected[i][0]: expected[i][1] for i in ids})
    table = next(df.value for df in at.dataframe if "p_value" in df.value.columns)
    assert table["auc_difference"].tolist() == pytest.approx(core["auc_difference"].tolist())
    assert any(s.get("layout", {}).get("title", {}).get("text", "").startswith("Paired DeLong")
               for s in chart_specs(at))


def test_paired_tests_are_holm_adjusted_over_every_pair_and_say_how_many(at, expected, runs):
    at.session_state["view"] = "Paired tests"
    at.multiselect(key="compare.runs").set_value(list(runs.values())).run()
    no_exception(at)
    ids = at.multiselect(key="compare.runs").value
    core = compare_runs({expected[i][0]: expected[i][1] for i in ids})
    want = holm(core["p_value"].to_numpy())
    k = want.n_comparisons  # every pair of the three runs
    assert k == 3
    table = next(df.value for df in at.dataframe if "p_holm" in df.value.columns)
    assert table["p_value"].tolist() == [format_p(p) for p in core["p_value"]]
    assert table["p_holm"].tolist() == [format_p(p) for p in want.adjusted]
    captions = " ".join(as_read(c.value) for c in at.caption)
    assert f"Comparisons made: {k}." in captions and "not adjusted" not in captions
    spec = chart_by_title(at, "Paired DeLong")
    notes = " ".join(a["text"] for a in spec["layout"]["annotations"])
    assert f"(Holm-adjusted over {k} comparison{'s' if k > 1 else ''})" in notes
    stars = [t for t in spec["data"] if (t.get("meta") or {}).get("role") == "cells"][0]["text"]
    names = [expected[i][0] for i in ids]
    for row in core.itertuples():
        cell = stars[names.index(row.run_a)][names.index(row.run_b)]
        adjusted = want.adjusted[row.Index]
        assert cell.endswith(f"p = {format_p(adjusted)}" + (" *" if adjusted < 0.05 else ""))


def test_other_tabs_render(at):
    for view in ("Calibration", "Subgroups", "Cross-validation"):
        at.session_state["view"] = view
        at.run()
        no_exception(at)
    # No folds among the demo runs: the tab says so instead of drawing an empty figure.
    assert any("No cross-validated runs" in i.value for i in at.info)
    at.session_state["view"] = "Overview"
    at.run()


def test_downloads_are_offered(at):
    labels = [as_read(b.label) for b in at.get("download_button")]
    for expected_label in ("Metrics table (CSV)", "Confusion counts (CSV)",
                           "Export this comparison as an HTML report"):
        assert expected_label in labels
    with on_tab(at, "Curves"):
        assert "Figure as HTML" in [as_read(b.label) for b in at.get("download_button")]


def test_link_restores_the_view(store_env, runs, expected):
    rid = runs[("idc_initial", "class_weight")]
    at = open_page(PAGE, {"runs": rid, "t": "0.3", "level": "group", "agg": "max"})
    no_exception(at)
    assert at.multiselect(key="compare.runs").value == [rid]
    assert at.slider(key="compare.threshold.value").value == pytest.approx(0.3)
    assert at.radio(key="compare.threshold.preset").value == "Free value"
    assert at.radio(key="compare.level").value == "group"
    assert at.selectbox(key="compare.agg").value == "max"
    name, _ = expected[rid]
    grouped = RunEvaluation.from_predictions(store_env.get(rid).predictions(), 1,
                                             level="group", aggregate="max")
    table = metrics_frame(at).set_index("run")
    assert int(table.loc[name, "n"]) == grouped.test.n  # patients, not images
    m = grouped.at(0.3).metrics.confusion_matrix()
    assert [int(table.loc[name, c]) for c in ("tn", "fp", "fn", "tp")] == m.ravel().tolist()


def test_image_level_warns_when_test_images_cluster_in_patients(at, store_env, expected):
    at.session_state["view"] = "Overview"
    at.run()
    no_exception(at)
    texts = [as_read(w.value) for w in at.warning]
    for rid in at.multiselect(key="compare.runs").value:
        name, _ = expected[rid]
        clustering = image_clustering(store_env.get(rid).predictions())
        assert clustering.clustered and clustering.n_groups < clustering.n_images
        assert f"{name}: {clustering.sentence}." in texts


def test_patient_level_does_not_warn_about_clustered_images(store_env, runs):
    at = open_page(PAGE, {"runs": runs[("idc_own", "none")], "level": "group"})
    no_exception(at)
    assert not any("treat every image as independent" in as_read(w.value) for w in at.warning)


def test_bad_link_gives_one_message_and_keeps_running(store_env, runs):
    at = open_page(PAGE, {"runs": "not-a-run," + runs[("idc_own", "none")], "t": "banana"})
    no_exception(at)
    texts = [as_read(w.value) for w in at.warning]
    assert any("not in this store" in t for t in texts)
    assert any("t='banana'" in t for t in texts)
    assert at.query_params["t"] == "0.5"  # the bad value is replaced, the page keeps working
    assert len(confusion_counts(at)) == 1  # the Overview's confusion table
    with on_tab(at, "Curves"):
        assert len(chart_specs(at)) >= 2  # ROC and PR
