"""Compare per configuration, the ranking and the decision curves, through AppTest on real
trained runs plus seeds cloned from them (tests/support/seeded.py): the numbers on the page are
the core's, computed here from the stored predictions.

Store: configuration A (idc_initial, none) and B (idc_own, none) with seeds 0, 1, 2; C
(idc_initial, class_weight) with seed 0 only.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from core.evaluation import RunEvaluation
from core.evaluation.auc_ranking import rank_by_auc, rank_by_metric
from core.evaluation.configurations import configuration_metrics
from core.evaluation.decision_curve import configuration_decision_curve, \
    configuration_net_benefit_at, net_benefit_at
from core.evaluation.display import format_p
from core.evaluation.multitest import holm
from core.evaluation.seed_curves import configuration_confusion
from core.store import ResultsStore
from core.training.runsets import seed_groups
from dashboard.text import as_read
from tests.dashboard.conftest import chart_by_title, confusion_counts, no_exception, open_page
from tests.support.seeded import add_seeds, copy_runs

PAGE = "pages/compare.py"


@pytest.fixture(scope="module")
def seeded(trained_store, tmp_path_factory):
    """{configuration letter: run ids in seed order}, in a store of this module's own."""
    store = ResultsStore(tmp_path_factory.mktemp("seeded_store"))
    table = trained_store.list_runs()
    ids = {(r.model, r.strategy): r.run_id for r in table.itertuples()}
    copy_runs(trained_store, store, ids.values())
    a, b = ids[("idc_initial", "none")], ids[("idc_own", "none")]
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    # The two-epoch idc_initial comes out constant on some CPUs (every score at the clip
    # floor, 1e-6, measured on an AVX-512/AMX machine): a shift of log(1e6) on the logit lifts
    # the clones' positives to ~0.5, so configuration A is informative whatever seed 0 learnt.
    yield store, {"A": [a, *add_seeds(store, a, [1, 2], noise=0.3, shift=np.log(1e6))],
                  "B": [b, *add_seeds(store, b, [1, 2], noise=0.3)],
                  "C": [ids[("idc_initial", "class_weight")]]}
    mp.undo()


def _evals(store, ids):
    return [RunEvaluation.from_predictions(store.get(i).predictions(), 1) for i in ids]


@pytest.fixture(scope="module")
def at(seeded):
    _, configs = seeded
    ids = [i for run_ids in configs.values() for i in run_ids]
    return open_page(PAGE, {"runs": ",".join(ids), "per": "configuration", "t": "0.4"})


def _seed_table(at):
    for df in at.dataframe:
        if "single runs" in df.value.columns:
            return df.value.set_index("seeds", append=True)
    raise AssertionError("no per-configuration table on the page")


def test_per_configuration_the_table_holds_the_cores_summaries(at, seeded):
    no_exception(at)
    store, configs = seeded
    table = _seed_table(at).reset_index(level="seeds")
    assert sorted(table["seeds"].tolist()) == [1, 3, 3]
    evals = _evals(store, configs["A"])
    cm = configuration_metrics([[ev] for ev in evals], [[0.4]] * 3, (0, 1, 2), n_boot=1000)
    auc = cm.summaries["auc"]
    row = next(r for _, r in table.iterrows()
               if "idc_initial" in r["configuration"] and r["seeds"] == 3)
    assert row["mean"] == f"{auc.mean:.3f}" and row["SD"] == f"{auc.sd:.3f}"
    assert row["95% CI"] == f"{auc.ci.low:.3f}–{auc.ci.high:.3f}"
    assert row["min–max"] == f"{auc.minimum:.3f}–{auc.maximum:.3f}"
    assert row["CI includes"] == "seeds and test set"
    assert f"seed 2: {evals[2].auc.auc:.3f}" in row["single runs"]


def _traces(spec, role, config_part):
    return [t for t in spec["data"] if (t.get("meta") or {}).get("role") == role
            and config_part in (t.get("meta") or {}).get("run", "")]


def test_the_single_runs_stand_as_dots_beside_each_configurations_mean(at, seeded):
    store, configs = seeded
    spec = chart_by_title(at, "AUC per configuration")
    (dots,) = _traces(spec, "fold", "idc_own")
    (mean,) = _traces(spec, "curve", "idc_own")
    evals = _evals(store, configs["B"])
    assert dots["x"] == pytest.approx([ev.auc.auc for ev in evals])
    assert dots["text"] == ["seed 0", "seed 1", "seed 2"]
    auc = configuration_metrics([[ev] for ev in evals], [[0.4]] * 3, (0, 1, 2)).summaries["auc"]
    assert mean["x"] == pytest.approx([auc.mean])
    assert mean["error_x"]["array"] == pytest.approx([auc.ci.high - auc.mean])
    assert len(_traces(spec, "fold", "class_weight")[0]["x"]) == 1  # C: one seed, one dot


def test_the_confusion_per_configuration_is_the_mean_count_over_seeds_with_its_sd(at, seeded):
    store, configs = seeded
    counts = [ev.test.sorted.counts(0.4) for ev in _evals(store, configs["A"])]
    want = configuration_confusion([[c] for c in counts])
    (frame,) = [t.value.rename(columns=lambda c: as_read(str(c))) for t in at.table
                if "seeds" in t.value.columns]
    labels = [as_read(str(label)) for label in frame.index]
    (row,) = [i for i, label in enumerate(labels)
              if "idc_initial" in label and "class_weight" not in label]
    tp, sd = want.mean[1, 1], want.sd[1, 1]
    share = 100 * tp / want.mean[1].sum()
    assert as_read(frame.iloc[row]["TP (found)"]) == f"{tp:.1f} ± {sd:.1f} ({share:.1f}%)"
    assert int(frame.iloc[row]["seeds"]) == 3
    assert len(frame) == 3  # one row per configuration
    assert len(confusion_counts(at)) == 3
    assert not any(title.startswith("Confusion matrices") for title in _titles(at))


def _titles(at):
    from tests.dashboard.conftest import chart_specs

    return [((s.get("layout") or {}).get("title") or {}).get("text") or ""
            for s in chart_specs(at)]


def test_a_threshold_metric_follows_the_threshold(at, seeded):
    store, configs = seeded
    at.selectbox(key="compare.seed_metrics.metric").set_value("sensitivity").run()
    no_exception(at)
    evals = _evals(store, configs["B"])
    want = np.mean([ev.at(0.4).metrics.sensitivity for ev in evals])
    table = _seed_table(at).reset_index(level="seeds")
    row = next(r for _, r in table.iterrows() if "idc_own" in r["configuration"])
    assert row["mean"] == f"{want:.3f}"


def test_one_seed_says_the_spread_is_unknown_and_how_to_add_seeds(at):
    notes = [as_read(i.value) for i in at.info if "has one seed" in as_read(i.value)]
    assert len(notes) == 1 and "class_weight" in notes[0]
    assert '"Seeds per configuration"' in notes[0] and "--n-seeds 3" in notes[0]


def test_a_one_seed_configuration_queues_its_missing_seeds_on_the_job_runner(at):
    """The button queues seeds 1 and 2 of C, with C's own settings, on the Train page's
    runner (the training itself is cancelled: only what was queued is asserted)."""
    from core.training import RunSpec
    from dashboard.jobs.panel import get_runner
    from tests.support.trained import TINY

    (button,) = [b for b in at.button if b.label == "Train seeds 1, 2 in the background"]
    button.click().run()
    no_exception(at)
    runner = get_runner()
    snap = runner.jobs()[0]
    runner.cancel(snap.id)
    assert [r.spec for r in snap.runs] == [
        RunSpec("demo", "idc_initial", "class_weight", seed=s, overrides=TINY) for s in (1, 2)]
    assert any(f"Queued as job {snap.id}" in as_read(s.value) for s in at.success)
    assert runner.get(snap.id).wait(300), "the queued job did not stop after cancel"


def test_the_roc_is_each_configurations_mean_with_a_band(at):
    at.session_state["view"] = "Curves"
    at.run()
    spec = chart_by_title(at, "ROC per configuration")
    roles = [(t.get("meta") or {}).get("role") for t in spec["data"]]
    assert roles.count("curve") == 3
    assert roles.count("band") == 4  # two configurations with a spread, a pair of edges each
    legends = [t["name"] for t in spec["data"] if (t.get("meta") or {}).get("role") == "curve"]
    assert sum(name.endswith("(3 seeds)") for name in legends) == 2
    at.session_state["view"] = "Overview"  # the module's page, as the next test expects it
    at.run()


def test_the_pr_is_each_configurations_mean_with_a_band_and_the_cores_ap(at, seeded):
    store, configs = seeded
    at.session_state["view"] = "Curves"
    at.run()
    spec = chart_by_title(at, "Precision-recall per configuration")
    at.session_state["view"] = "Overview"  # the module's page, as the next test expects it
    at.run()
    roles = [(t.get("meta") or {}).get("role") for t in spec["data"]]
    assert roles.count("curve") == 3 and roles.count("fold") == 7  # 3 + 3 + 1 seeds
    assert roles.count("band") == 4  # the one-seed configuration has none
    assert roles.count("reference") == 3  # a prevalence baseline each
    legends = [t["name"] for t in spec["data"] if (t.get("meta") or {}).get("role") == "curve"]
    for ids in configs.values():  # each configuration's legend: its seeds' mean AP and count
        aps = [e.pr.average_precision for e in _evals(store, ids)]
        k = len(ids)
        assert sum(f"mean AP {np.mean(aps):.2f}" in n and n.endswith(f"({k} seed{'s' * (k > 1)})")
                   for n in legends) >= 1


def test_the_ranking_is_the_cores_with_holm_and_the_comparisons_counted(at, seeded):
    store, configs = seeded
    at.session_state["view"] = "Ranking"
    at.run()
    no_exception(at)
    ids = [i for run_ids in configs.values() for i in run_ids]
    named = {g.name: _evals(store, g.run_ids) for g in seed_groups(store.list_runs(), ids)}
    assert len(named) == 3  # the page's configuration names, each its seeds' evaluations
    core = rank_by_auc(named)
    (ranked,) = core.sets
    pairs = next(df.value for df in at.dataframe if "p_holm" in df.value.columns)
    assert pairs["difference"].tolist() == pytest.approx(
        [d.difference for d in ranked.ranking.adjacent])
    assert pairs["comparisons"].tolist() == [2, 2]
    assert pairs["p_holm"].tolist() == [format_p(d.p_adjusted) for d in ranked.ranking.adjacent]
    assert pairs["p_holm"].tolist() == [format_p(p) for p in holm(
        [d.p_value for d in ranked.ranking.adjacent]).adjusted]
    assert pairs["ci_level"].tolist() == pytest.approx(
        [1 - d.ci_alpha for d in ranked.ranking.adjacent])
    assert any("2 comparison(s) made" in as_read(h.value) for h in at.subheader)
    texts = [as_read(m.value) for m in at.markdown]
    for sentence in ranked.ranking.sentences:  # each exactly as core says it, in order
        assert sentence in texts
    assert [t for t in texts if t in ranked.ranking.sentences] == list(ranked.ranking.sentences)
    captions = " ".join(as_read(c.value) for c in at.caption)
    assert "cannot support" in captions and "Comparisons made: 2" in captions


def test_ranking_by_a_threshold_metric_is_the_cores_at_the_current_threshold(at, seeded):
    store, configs = seeded
    at.session_state["view"] = "Ranking"
    at.run()
    at.selectbox(key="compare.ranking.metric").set_value("sensitivity").run()
    no_exception(at)
    ids = [i for run_ids in configs.values() for i in run_ids]
    groups = seed_groups(store.list_runs(), ids)
    core = rank_by_metric({g.name: _evals(store, g.run_ids) for g in groups},
                          metric="sensitivity",
                          thresholds={g.name: [0.4] * len(g.run_ids) for g in groups})
    (ranked,) = core.sets
    order = next(df.value for df in at.dataframe if "mean_sensitivity" in df.value.columns)
    assert order["configuration"].tolist() == list(ranked.ranking.order)
    assert order["mean_sensitivity"].tolist() == pytest.approx(
        [ranked.ranking.summaries[n].mean for n in ranked.ranking.order])
    pairs = next(df.value for df in at.dataframe if "p_holm" in df.value.columns)
    assert pairs["p_holm"].tolist() == [format_p(d.p_adjusted) for d in ranked.ranking.adjacent]
    texts = [as_read(m.value) for m in at.markdown]
    assert [t for t in texts if t in ranked.ranking.sentences] == list(ranked.ranking.sentences)
    at.selectbox(key="compare.ranking.metric").set_value("AUC").run()


def test_the_decision_curve_marks_each_runs_threshold_and_moves_with_it(at, seeded):
    store, configs = seeded
    at.session_state["view"] = "Decision curves"
    at.run()
    spec = chart_by_title(at, "Decision curves")
    marks = {t["meta"]["run"]: (t["x"][0], t["y"][0]) for t in spec["data"]
             if (t.get("meta") or {}).get("role") == "operating_point"}
    assert len(marks) == 7 and all(x == pytest.approx(0.4) for x, _ in marks.values())
    names = [t.get("name") for t in spec["data"]]
    assert "treat all" in names and "treat none" in names
    at.slider(key="compare.threshold.value").set_value(0.25).run()
    spec = chart_by_title(at, "Decision curves")
    ev = _evals(store, configs["C"])[0]
    ys = [t["y"][0] for t in spec["data"] if (t.get("meta") or {}).get("role") ==
          "operating_point" and t["x"][0] == pytest.approx(0.25)]
    assert len(ys) == 7
    assert pytest.approx(net_benefit_at(ev.test.sorted, 0.25)) in ys


def _array(values) -> np.ndarray:
    """A plotly array as the browser receives it: a list, or base64 ("bdata") for floats."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def test_the_decision_curve_per_configuration_is_the_mean_over_seeds(at, seeded):
    store, configs = seeded
    at.session_state["view"] = "Decision curves"
    at.run()
    no_exception(at)
    spec = chart_by_title(at, "Decision curves per configuration")
    want = configuration_decision_curve([[ev.test.sorted] for ev in _evals(store, configs["A"])])
    (curve,) = [t for t in _traces(spec, "curve", "idc_initial") if "(3 seeds)" in t["name"]]
    x, y = _array(curve["x"]), _array(curve["y"])  # the drawn (simplified) polyline's points
    where = np.searchsorted(want.thresholds, x)
    assert want.thresholds[where] == pytest.approx(x) and len(x) > 5
    assert y == pytest.approx(want.mean[where])
    # A, B and the one-seed C (its test-set interval): a lower and an upper edge each
    assert len(_traces(spec, "band", "")) == 6
    run = curve["meta"]["run"]
    low, high = [t for t in _traces(spec, "band", "idc_initial") if t["meta"]["run"] == run]
    assert _array(low["y"]) == pytest.approx(want.lower)
    assert _array(high["y"]) == pytest.approx(want.upper)
    (marker,) = [t for t in _traces(spec, "operating_point", "") if t["meta"]["run"] == run]
    per_run = chart_by_title(at, "Decision curves (test split)")
    (t0,) = {float(_array(m["x"])[0]) for m in _traces(per_run, "operating_point", "")}
    t, nb = configuration_net_benefit_at([[ev.test.sorted] for ev in
                                          _evals(store, configs["A"])], [[t0]] * 3)
    assert (_array(marker["x"])[0], _array(marker["y"])[0]) == pytest.approx((t, nb))
    assert len(_traces(spec, "operating_point", "")) == 3
    assert "treat all" in [t.get("name") for t in spec["data"]]


def test_the_per_run_view_is_unchanged(seeded):
    _, configs = seeded
    at = open_page(PAGE, {"runs": ",".join(configs["A"])})
    no_exception(at)
    assert at.radio(key="compare.per").value == "run"
    assert any("tp" in df.value.columns for df in at.dataframe)
    assert not any("single runs" in df.value.columns for df in at.dataframe)


def test_the_report_per_configuration_holds_what_that_view_shows(seeded):
    from dashboard import data
    from dashboard.compare.context import operating_points
    from dashboard.compare.panel import PER_CONFIGURATION
    from dashboard.compare.panels import in_view
    from dashboard.compare.report import comparison_sections
    from dashboard.evaluations import load_selection
    from dashboard.runs import run_names

    _, configs = seeded
    ids = [i for run_ids in configs.values() for i in run_ids]
    sel = load_selection(ids, run_names(data.list_runs()))
    ops = operating_points(sel, {i: 0.4 for i in ids})
    sections = dict(comparison_sections(sel, ops, {i: 0.4 for i in ids}, "fixed 0.4",
                                        PER_CONFIGURATION))
    assert "View: per configuration (over seeds)." in sections["Summary"]
    assert "Metrics at the current threshold (95% CI)" not in sections  # the per-run table
    every = sections["Every metric per configuration"]
    assert len(every) == 3 * 9
    assert sorted(every.loc[every["metric"] == "auc", "n_seeds"]) == [1, 3, 3]
    page = next(p for p in in_view(PER_CONFIGURATION) if p.name == "seed_metrics")
    assert every.equals(page.build(sel, ops).rows)
    assert "ROC per configuration (mean over seeds)" in sections
    assert "Decision curves" in sections and "Ranking by AUC, test set 1" in sections
