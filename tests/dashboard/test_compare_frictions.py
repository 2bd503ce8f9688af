"""Compare-page frictions of issue 16, section 3, each pinned by an AppTest on real stored runs.

One AppTest session is shared by most tests (each page run costs seconds on two cores); the
tests run in file order and each leaves the widgets as it found them.
"""

from __future__ import annotations

import json

import pytest

from core.evaluation import RunEvaluation, aggregate_groups
from core.evaluation.groups import few_groups
from core.evaluation.subgroups import column_label
from dashboard.data import run_label
from dashboard.text import as_read
from tests.dashboard.conftest import chart_by_title, chart_specs, no_exception, open_page
from tests.display.test_layout_clear import assert_clear

PAGE = "pages/compare.py"
PRESET, VALUE = "compare.threshold.preset", "compare.threshold.value"


@pytest.fixture(scope="module")
def expected(store_env):
    """Per run: its display name, its evaluation and its predictions, from the store."""
    out = {}
    for row in store_env.list_runs().itertuples():
        run = store_env.get(row.run_id)
        pos = run.record["positive_index"]
        pred = run.predictions()
        out[row.run_id] = (run_label(row._asdict()), RunEvaluation.from_predictions(pred, pos),
                           pred, pos)
    return out


@pytest.fixture(scope="module")
def at(store_env, runs):
    return open_page(PAGE, {"runs": ",".join(runs.values())})


def metrics_table(at):
    return next(d for d in at.dataframe if "tp" in d.value.columns)


def free_slider(at):
    return [s for s in at.slider if s.key == VALUE]


def test_metrics_table_shows_the_four_clinical_rates_first_and_a_chooser_for_the_rest(at):
    no_exception(at)
    table = metrics_table(at)
    assert list(table.proto.column_order) == [
        "run", "sensitivity", "specificity", "precision", "npv", "auc", "threshold"]
    shown = json.dumps(json.loads(table.proto.columns))
    assert "PPV (precision)" in shown and '"NPV"' in shown
    assert {"tp", "fp", "tn", "fn", "brier"} <= set(table.value.columns)  # the frame is whole
    at.multiselect(key="compare.metrics.more").select("tp").run()
    assert list(metrics_table(at).proto.column_order)[-3:] == ["auc", "threshold", "tp"]
    at.multiselect(key="compare.metrics.more").unselect("tp").run()


def test_free_slider_is_off_under_a_preset_and_never_shows_an_old_value(at, expected):
    (slider,) = free_slider(at)
    assert slider.proto.disabled and slider.value == pytest.approx(0.5)
    at.radio(key=PRESET).set_value("Youden's J (val)").run()
    youden = {ev.choose_threshold("youden").threshold for _, ev, _, _ in expected.values()}
    assert len(youden) == 3  # three runs, three thresholds: no single value would be true
    assert not free_slider(at)
    assert any("each run has its own threshold" in c.value for c in at.caption)
    at.radio(key=PRESET).set_value("Free value").run()
    (slider,) = free_slider(at)
    assert not slider.proto.disabled and slider.value == pytest.approx(0.5)
    slider.set_value(0.31).run()
    assert at.query_params["t"] == "0.31"
    at.radio(key=PRESET).set_value("0.5").run()
    (slider,) = free_slider(at)
    assert slider.proto.disabled and slider.value == pytest.approx(0.5)  # not the 0.31 before
    assert at.query_params["t"] == "0.5"


def test_under_a_validation_preset_one_run_shows_its_threshold_on_the_slider(
        store_env, runs, expected):
    rid = runs[("idc_own", "none")]
    page = open_page(PAGE, {"runs": rid, "t": "youden"})
    no_exception(page)
    (slider,) = free_slider(page)
    assert slider.proto.disabled
    assert slider.value == pytest.approx(expected[rid][1].choose_threshold("youden").threshold)


def test_no_legend_or_toolbar_covers_a_title_or_plot(at):
    specs = []
    for tab in ("Overview", "Curves", "Per class"):  # AppTest draws only the open tab
        at.session_state["view"] = tab
        specs += chart_specs(at.run())
    at.session_state["view"] = "Overview"
    at.run()
    assert len(specs) >= 3  # ROC, PR, per-class bars (the confusion counts are a table)
    for spec in specs:
        assert_clear(spec["layout"])


def test_per_class_bars_show_each_binary_rate_once(at, expected):
    at.session_state["view"] = "Per class"
    at.run()
    spec = chart_by_title(at, "Per-class")
    at.session_state["view"] = "Overview"  # the module's page, as the next test expects it
    at.run()
    bars = [t for t in spec["data"] if (t.get("meta") or {}).get("role") == "curve"]
    assert len(bars) == len(expected)
    for trace in bars:
        kinds = [label.split(" \u00b7 ")[0] for label in trace["x"]]
        assert sorted(kinds) == ["precision", "precision", "sensitivity", "sensitivity"]
        assert len(set(trace["x"])) == 4


def test_subgroups_have_no_default_and_readable_names_and_bands(at):
    at.session_state["view"] = "Subgroups"
    at.run()
    no_exception(at)
    box = at.selectbox(key="compare.subgroup.column")
    assert box.value is None
    assert list(box.options) == [column_label("x"), column_label("y")]
    assert "x" not in box.options
    box.set_value("x").run()
    table = next(d for d in at.dataframe if "small" in d.value.columns)
    bands = set(table.value["x"].astype(str))
    assert bands and all(b.startswith(("\u2264 ", "> ")) for b in bands), bands
    assert column_label("x") in table.proto.columns
    at.session_state["view"] = "Overview"
    at.run()


def test_patient_level_warns_when_groups_are_too_few_for_a_ci(store_env, runs, expected):
    page = open_page(PAGE, {"runs": ",".join(runs.values()), "level": "group"})
    no_exception(page)
    shown = [as_read(w.value) for w in page.warning]
    for name, _, pred, pos in expected.values():
        groups = aggregate_groups(pred, pos)
        test = groups[groups["split"] == "test"]
        why = few_groups(len(test), int((test["target"] == pos).sum()))
        assert why is not None  # the demo's test split holds a few patients only
        assert f"{name}: {why}." in shown
