"""The comparison panels, shared by the Compare and Weighting pages.

Each panel takes a :class:`~dashboard.evaluations.Selection` (and, for threshold-dependent
panels, the operating points at the current thresholds) and draws one titled block with its
download buttons.  Panels never compute a metric: the numbers come from
:mod:`core.evaluation`, the figures from :mod:`dashboard.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.evaluation import (
    EvaluationError,
    OperatingPoint,
    binary_class_names,
    metadata_columns,
    multiclass_from_predictions,
    subgroup_table,
)
from core.evaluation.display import (
    CurveSpec,
    confusion_matrix_figure,
    format_p,
    roc_overlay_figure,
)
from core.training.runsets import fold_groups
from dashboard import data
from dashboard.compare import figures
from dashboard.compare.tables import display_table, metric_rows, numeric_table
from dashboard.downloads import PNG_HINT, csv_button, figure_button
from dashboard.evaluations import Selection, run_key
from dashboard.text import md, plain_table, visible

__all__ = [
    "refs",
    "operating_points",
    "metrics_panel",
    "confusion_panel",
    "curves_panel",
    "bars_panel",
    "calibration_panel",
    "pvalues_panel",
    "crossval_panel",
    "subgroups_panel",
    "multiclass_panel",
]


def refs(sel: Selection, ids=None) -> tuple[figures.RunRef, ...]:
    """Cache keys of the selection's binary runs (or of ``ids``)."""
    ids = sel.binary_ids if ids is None else ids
    return tuple((*run_key(i, sel.level, sel.aggregate), sel.names[i], sel.colours[i])
                 for i in ids)


def operating_points(sel: Selection, thresholds: Mapping[str, float]) -> dict[str, OperatingPoint]:
    """Test metrics and CIs at each run's threshold, by display name (the only per-move work)."""
    return {sel.names[i]: sel.evals[i].at(thresholds[i]) for i in sel.binary_ids}


def class_names(sel: Selection) -> dict[str, tuple[str, str]]:
    """``(negative, positive)`` names of each binary run's view, by display name."""
    return {sel.names[i]: binary_class_names((sel.records.get(i) or {}).get("class_names"),
                                             sel.evals[i].positive_index)
            for i in sel.binary_ids}


def metrics_panel(sel: Selection, ops: Mapping[str, OperatingPoint], *, key: str) -> pd.DataFrame:
    """The metrics table with 95% CIs (text) and its CSV (numbers, CI bounds in columns)."""
    evals = sel.by_name()
    rows = metric_rows(evals, ops)
    st.subheader("Metrics at the current threshold (test split)")
    st.dataframe(plain_table(display_table(rows)), hide_index=True, width="stretch")
    level = "per patient/lesion" if sel.level == "group" else "per image"
    st.caption(f"Evaluated {level}. Values: estimate (95% CI) — AUC: DeLong; threshold metrics: "
               "stratified bootstrap (1000 resamples). n/a = undefined at this threshold.")
    table = numeric_table(rows)
    csv_button(table, label="Metrics table (CSV)", file_name="lesionlab-metrics.csv",
               key=f"{key}.metrics.csv")
    return table


def confusion_panel(sel: Selection, ops: Mapping[str, OperatingPoint], *, key: str):
    fig = figures.confusion_grid({n: op.metrics.confusion_matrix() for n, op in ops.items()},
                                 class_names(sel))
    st.plotly_chart(fig, key=f"{key}.confusion", width="stretch")
    figure_button(fig, file_name="lesionlab-confusion.html", key=f"{key}.confusion.html")
    return fig


def curves_panel(sel: Selection, ops: Mapping[str, OperatingPoint], *, key: str):
    """ROC and PR overlays side by side, with each run's operating point marked."""
    r = refs(sel)
    roc = figures.with_points(figures.roc_base(r), {n: op.roc_point for n, op in ops.items()})
    pr = figures.with_points(figures.pr_base(r), {n: op.pr_point for n, op in ops.items()})
    left, right = st.columns(2)
    with left:
        st.plotly_chart(roc, key=f"{key}.roc", width="stretch")
        figure_button(roc, file_name="lesionlab-roc.html", key=f"{key}.roc.html")
    with right:
        st.plotly_chart(pr, key=f"{key}.pr", width="stretch")
        figure_button(pr, file_name="lesionlab-pr.html", key=f"{key}.pr.html")
    st.caption("Legend: AUC with its 95% DeLong CI; PR: average precision and the prevalence "
               "baseline (dotted). Markers: each run's operating point at its threshold. "
               + PNG_HINT)
    return roc, pr


def bars_panel(sel: Selection, ops: Mapping[str, OperatingPoint], *, key: str):
    names = {sel.names[i]: sel.colours[i] for i in sel.binary_ids}
    fig = figures.per_class_bars(figures.per_class_values(ops, class_names(sel)), names)
    st.plotly_chart(fig, key=f"{key}.bars", width="stretch")
    figure_button(fig, file_name="lesionlab-per-class.html", key=f"{key}.bars.html")
    return fig


def calibration_panel(sel: Selection, *, key: str):
    fig = figures.calibration_figure(refs(sel))
    st.plotly_chart(figures.figure(fig), key=f"{key}.calibration", width="stretch")
    st.caption("Point size: samples in the bin. Brier score and expected calibration error "
               "(10 equal-width bins) in the legend. " + PNG_HINT)
    figure_button(fig, file_name="lesionlab-calibration.html", key=f"{key}.calibration.html")
    return fig


def pvalues_panel(sel: Selection, *, key: str):
    """Paired DeLong p-values for runs that share their test samples; the others explained."""
    r = refs(sel)
    if len(r) < 2:
        st.info("Paired tests need at least two binary runs.")
        return None
    table, _, _ = figures.pairwise(r)
    spec = figures.pvalue_figure(r)
    paired = table[table["reason"] == ""]
    if len(paired):
        st.plotly_chart(figures.figure(spec), key=f"{key}.pvalues", width="stretch")
        figure_button(spec, file_name="lesionlab-delong.html", key=f"{key}.pvalues.html")
    else:
        st.info("No two of these runs were evaluated on the same test samples, so no paired "
                "test applies (see below).")
    shown = table.assign(p_value=table["p_value"].map(format_p))
    st.dataframe(plain_table(shown), hide_index=True, width="stretch")
    st.caption("Paired DeLong test of the AUC difference (run_a − run_b), not adjusted for "
               "multiple comparisons. Runs on different test samples (another dataset, split "
               "or level) cannot be paired: their row says why.")
    csv_button(table, label="Pairwise tests (CSV)", file_name="lesionlab-delong.csv",
               key=f"{key}.pvalues.csv")
    return spec


def _fold_groups(sel: Selection) -> list[tuple[str, str, tuple]]:
    """The selection's cross-validations (:func:`core.training.runsets.fold_groups`) as
    (name, colour of the first fold, cache keys of the folds)."""
    return [(group.name, sel.colours[group.run_ids[0]], refs(sel, group.run_ids))
            for group in fold_groups(data.list_runs(), sel.binary_ids)]


def crossval_panel(sel: Selection, *, key: str):
    groups = _fold_groups(sel)
    if not groups:
        st.info("No cross-validated runs among the selection: select two or more folds of "
                "one configuration (train them with folds on the Train page).")
        return None
    spec = figures.crossval_figure(tuple(groups))
    st.plotly_chart(figures.figure(spec), key=f"{key}.crossval", width="stretch")
    st.caption("Thin lines: each fold's held-out ROC; thick: their vertical mean; band: ±1 SD. "
               "Legend: mean AUC ± SD over folds. " + PNG_HINT)
    figure_button(spec, file_name="lesionlab-crossval.html", key=f"{key}.crossval.html")
    return spec


def subgroups_panel(sel: Selection, thresholds: Mapping[str, float], *, key: str):
    evals = sel.by_name()
    columns = metadata_columns(evals)
    if not columns:
        st.info("These runs share no metadata column (site, age, magnification, ...) to break "
                "the results down by.")
        return None
    column = st.selectbox("Break down by", columns, key=f"{key}.subgroup.column",
                          format_func=visible)
    named = {sel.names[i]: thresholds[i] for i in sel.binary_ids}
    table = subgroup_table(evals, named, column)
    st.dataframe(plain_table(table), hide_index=True, width="stretch")
    st.caption("Each run at its current threshold. 'small' marks subgroups with fewer than 30 "
               "samples or fewer than 5 of a class: read them with care. Numeric columns with "
               "many values are cut into quartiles of the test split.")
    csv_button(table, label="Subgroups (CSV)", file_name=f"lesionlab-subgroups-{column}.csv",
               key=f"{key}.subgroups.csv")
    return table


@st.cache_resource(show_spinner=False, max_entries=64)
def _multiclass(root: str, run_id: str, names: tuple[str, ...]):
    return multiclass_from_predictions(data.load_predictions(run_id), list(names) or None)


def multiclass_panel(sel: Selection, *, key: str) -> None:
    """K x K confusion matrix, one-vs-rest ROC and per-class table for each multiclass run."""
    for rid in sel.multiclass:
        record = sel.records[rid]
        names = tuple(record.get("class_names") or ())
        st.subheader(md("{name} — {k} classes", name=sel.names[rid], k=len(names)),
                     anchor=False)
        try:
            mc = _multiclass(str(data.store_root()), rid, names)
        except EvaluationError as exc:
            st.error(md("{name} cannot be evaluated: {exc}", name=sel.names[rid], exc=exc))
            continue
        left, right = st.columns(2)
        with left:
            cm = confusion_matrix_figure(mc.confusion, list(names),
                                         title="Confusion matrix (arg-max class, test split)")
            st.plotly_chart(cm, key=f"{key}.{rid}.mc_confusion", width="stretch")
        with right:
            specs = [CurveSpec.from_roc(c, mc.roc[c]) for c in names if c in mc.roc]
            roc = roc_overlay_figure(specs, title="One-vs-rest ROC per class (test split)")
            st.plotly_chart(roc, key=f"{key}.{rid}.mc_roc", width="stretch")
        per_class = mc.per_class.reset_index()
        st.dataframe(plain_table(per_class), hide_index=True, width="stretch")
        st.dataframe(plain_table(mc.averages.reset_index()), hide_index=True, width="stretch")
        if mc.reasons:
            st.caption(md("{reasons}", reasons="; ".join(f"{k}: {v}"
                                                         for k, v in mc.reasons.items())))
        st.caption(f"Accuracy {mc.accuracy:.3f}. The call is the most probable class, so the "
                   "threshold control does not apply to multiclass runs.")
        csv_button(per_class, label="Per-class metrics (CSV)",
                   file_name=f"lesionlab-multiclass-{rid[:8]}.csv", key=f"{key}.{rid}.mc.csv")

