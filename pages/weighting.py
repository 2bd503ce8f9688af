"""Weighting effects: one model on one dataset under each imbalance strategy, against "none".

Layout only. Dataset and model are in the URL (``?dataset=..&model=..``); the threshold is the
shared control (:mod:`dashboard.threshold`), and every threshold-dependent panel is inside one
``st.fragment``.
"""

from __future__ import annotations

import streamlit as st

from core.evaluation.strategies import REFERENCE, effect_rows
from core.training.runsets import configurations, missing_strategies, strategy_runs, study_runs
from dashboard.compare import panels
from dashboard.details import details_expander, warnings_banner
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection, load_selection
from dashboard.runs import TRAIN_PAGE, empty_store, ok_runs
from dashboard.text import md, plain_table, visible
from dashboard.threshold import current_thresholds, threshold_control
from dashboard.weighting import (effects_display, other_configuration_note, study_table,
                                 variant_choice)

KEY = "weighting"


@st.fragment
def strategy_effects(sel: Selection, strategies: dict[str, str], runs, dataset, profile, seed):
    by_strategy = {s: rid for s, rid in strategies.items() if rid in sel.evals}
    thresholds = threshold_control(sel.evals, key=f"{KEY}.threshold", names=sel.names)
    neg_pos = panels.class_names(sel)[sel.names[next(iter(by_strategy.values()))]]
    table = effect_rows({s: sel.evals[r] for s, r in by_strategy.items()},
                        {s: thresholds[r] for s, r in by_strategy.items()}, neg_pos)
    st.subheader("What each strategy changed (test split)")
    st.dataframe(plain_table(effects_display(table)), hide_index=True, width="stretch",
                 placeholder="–")
    st.caption("Each cell: estimate (95% CI); Δ = strategy − none on the same test samples "
               "with a paired 95% CI (bootstrap over the same resampled cases; AUC: paired "
               "DeLong, with its p-value). Per-class precision of the negative class is the "
               "NPV; specificity is the recall of the negative class.")
    csv_button(table, label="Strategy effects (CSV)", file_name="lesionlab-weighting.csv",
               key=f"{KEY}.effects.csv")
    ops = panels.operating_points(sel, thresholds)
    panels.curves_panel(sel, ops, key=KEY)
    panels.confusion_panel(sel, ops, key=KEY)

    st.subheader("The IDC study's summary table, regenerated from our runs")
    st.caption(md("Layout of Fig. 6 in Aimyshev, Bakytbek & Baiturov, 'Image Classification "
                  "on Custom Dataset'; every number below is OURS: stored runs on '{dataset}', "
                  "each at its threshold from the control above.", dataset=dataset))
    found = study_runs(runs, dataset, profile, seed)
    study_evals = load_selection(list(found.values()), {i: i for i in found.values()}).evals
    table = study_table(found, current_thresholds(study_evals), study_evals)
    st.dataframe(placeholder="–", data=plain_table(table), hide_index=True, width="stretch")
    st.caption("Precision of labels: negative class and positive class. Overfit: 'Yes' when "
               "the last epoch's training accuracy exceeds its validation accuracy by more than "
               "0.05. Time to train: wall time of our run on its device.")
    csv_button(table, label="Study table (CSV)", file_name="lesionlab-idc-study-table.csv",
               key=f"{KEY}.study.csv")


st.title("Weighting effects")
st.caption("One model on one dataset, trained under each class-imbalance strategy on the same "
           "split and seed: what did weighting or resampling change compared with no "
           "correction?")
runs = ok_runs()
if runs.empty:
    empty_store()
    st.stop()
configs = configurations(runs)
c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
with c1:
    datasets = sorted(configs["dataset"].astype(str).unique())
    dataset = st.selectbox("Dataset", datasets, key="dataset", bind="query-params",
                           format_func=visible)
mine = configs[configs["dataset"].astype(str) == dataset]
with c2:
    models = mine.sort_values("strategies", ascending=False)["model"].astype(str).unique().tolist()
    model = st.selectbox("Model", models, key="model", bind="query-params", format_func=visible)
mine = mine[mine["model"].astype(str) == model]
with c3:
    profile = st.selectbox("Profile", sorted(mine["profile"].astype(str).unique()),
                           key=f"{KEY}.profile", format_func=visible)
with c4:
    seeds = sorted(mine[mine["profile"].astype(str) == profile]["seed"].astype(str).unique())
    seed = st.selectbox("Seed", seeds, key=f"{KEY}.seed", format_func=visible)
variants = mine[(mine["profile"].astype(str) == profile) & (mine["seed"].astype(str) == seed)]
config = variant_choice(variants) if len(variants) > 1 else variants.iloc[0].to_dict()
strategies = strategy_runs(runs, config)
missing = missing_strategies(strategies)
if missing:
    other_configuration_note(config)
if len(strategies) < 2 or REFERENCE not in strategies:
    have = ", ".join(strategies) or "none"
    need = [REFERENCE] if REFERENCE not in strategies else missing
    st.info(md("Stored for {model} on {dataset} ({profile}, seed {seed}): {have}. To see what "
               "a strategy changes, train {need} for this model and dataset (same profile and "
               "seed) on the Train page.", model=model, dataset=dataset, profile=profile,
               seed=seed, have=have, need=" and ".join(need)))
    st.page_link(TRAIN_PAGE, label="Go to the Train page", icon=":material/model_training:")
    st.stop()
if missing:
    st.caption(md("Not trained yet for this configuration: {missing}.",
                  missing=", ".join(missing)))
ids = list(strategies.values())
sel = load_selection(ids, {rid: s for s, rid in strategies.items()})
warnings_banner(sel)
if REFERENCE in strategies and strategies[REFERENCE] in sel.evals and len(sel.evals) >= 2:
    strategy_effects(sel, strategies, runs, dataset, profile, seed)
else:
    st.error("The strategies could not be evaluated side by side (see above).")
details_expander(sel)
