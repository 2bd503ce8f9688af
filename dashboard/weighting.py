"""What an imbalance strategy changed: runs that differ only in their strategy, against "none".

Why paired: the strategies of one (dataset, model, profile, seed) share the split and the test
samples (see :data:`core.training.STRATEGIES`), so each difference from "none" comes with a
paired interval - a bootstrap over the same resampled patients for the threshold metrics and
the paired DeLong test for AUC (:meth:`core.evaluation.RunEvaluation.compare`).  Two separate
CIs that overlap would say much less.

Also rebuilds the summary table of the IDC study this project started from (Aimyshev,
Bakytbek & Baiturov, Fig. 6: models in columns; time to train, parameters, overfit, accuracy,
per-label precision, specificity, sensitivity in rows) from *our* stored runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import streamlit as st

from core.evaluation import OperatingPoint, RunEvaluation
from core.evaluation.display import format_estimate, format_p
from core.store import CorruptRunError
from core.training import STRATEGIES
from dashboard import data

__all__ = [
    "CONFIG_COLUMNS",
    "configurations",
    "strategy_runs",
    "missing_strategies",
    "effect_rows",
    "effects_display",
    "STUDY_COLUMNS",
    "study_runs",
    "study_table",
]

CONFIG_COLUMNS = ("dataset", "model", "profile", "seed")
REFERENCE = "none"


def _no_fold(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["fold"].isna()] if "fold" in runs else runs


def configurations(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, model, profile, seed) with its number of distinct strategies."""
    r = _no_fold(runs)
    if r.empty:
        return pd.DataFrame(columns=[*CONFIG_COLUMNS, "strategies"])
    out = r.groupby(list(CONFIG_COLUMNS), dropna=False)["strategy"].nunique()
    return out.rename("strategies").reset_index().sort_values("strategies", ascending=False)


def strategy_runs(runs: pd.DataFrame, config: Mapping[str, object]) -> dict[str, str]:
    """strategy -> run_id for one configuration ("none" first, then the rest in STRATEGIES
    order); the newest run when a strategy was trained more than once."""
    r = _no_fold(runs)
    for col in CONFIG_COLUMNS:
        r = r[r[col].astype(str) == str(config[col])]
    r = r.sort_values("created_at")
    newest = r.groupby("strategy")["run_id"].last().to_dict()
    order = [s for s in STRATEGIES if s in newest] + sorted(s for s in newest
                                                           if s not in STRATEGIES)
    return {s: newest[s] for s in order}


def missing_strategies(present: Mapping[str, str]) -> list[str]:
    return [s for s in STRATEGIES if s not in present]


def _per_class(op: OperatingPoint, ev: RunEvaluation, neg: str, pos: str) -> dict:
    """metric label -> (value, (low, high)); per-class names as in the clinical papers."""
    def est(m):
        return (getattr(op.metrics, m), tuple(op.ci[m]))

    return {
        f"precision · {neg}": est("npv"),
        f"precision · {pos}": est("precision"),
        f"sensitivity (recall) · {pos}": est("sensitivity"),
        f"specificity (recall · {neg})": est("specificity"),
        "accuracy": est("accuracy"),
        "AUC": (ev.auc.auc, (ev.auc.ci_low, ev.auc.ci_high)),
    }




def effect_rows(evals: Mapping[str, RunEvaluation], thresholds: Mapping[str, float],
                class_names: tuple[str, str]) -> pd.DataFrame:
    """Long numeric table: strategy, metric, value, CI, difference from "none", its CI, p.

    ``evals`` and ``thresholds`` are keyed by strategy.  Differences are strategy minus none,
    paired on the same test samples; p is the paired DeLong test (AUC rows only).
    """
    neg, pos = class_names
    ref = evals.get(REFERENCE)
    rows = []
    for strategy, ev in evals.items():
        op = ev.at(thresholds[strategy])
        values = _per_class(op, ev, neg, pos)
        diffs: dict[str, tuple] = {}
        if ref is not None and strategy != REFERENCE:
            comp = ev.compare(ref, thresholds[strategy], thresholds[REFERENCE])
            b = comp.bootstrap
            keys = ["npv", "precision", "sensitivity", "specificity", "accuracy"]
            for label, key in zip(list(values)[:5], keys):
                diffs[label] = (b.estimates[key], tuple(b[key]), np.nan)
            d = comp.delong
            diffs["AUC"] = (d.difference, (d.ci_low, d.ci_high), d.p_value)
        for label, (value, (lo, hi)) in values.items():
            dv, (dlo, dhi), p = diffs.get(label, (np.nan, (np.nan, np.nan), np.nan))
            rows.append({"strategy": strategy, "metric": label, "threshold": op.threshold,
                         "value": value, "ci_low": lo, "ci_high": hi,
                         "difference_vs_none": dv, "difference_ci_low": dlo,
                         "difference_ci_high": dhi, "p_value": p})
    return pd.DataFrame(rows)


def effects_display(table: pd.DataFrame) -> pd.DataFrame:
    """Metrics in rows, strategies in columns; cells ``0.812 (0.78–0.84)  Δ +0.05 (...)``."""
    if table.empty:
        return table
    cells = {}
    for row in table.itertuples(index=False):
        text = format_estimate(row.value, (row.ci_low, row.ci_high))
        if np.isfinite(row.difference_vs_none):
            text += (f"   Δ {row.difference_vs_none:+.3f} "
                     f"({row.difference_ci_low:+.3f} to {row.difference_ci_high:+.3f})")
            if np.isfinite(row.p_value):
                text += f", p = {format_p(row.p_value)}"
        cells.setdefault(row.metric, {})[row.strategy] = text
    return pd.DataFrame(cells).T.rename_axis("metric").reset_index()


# --- the IDC study's summary table, with our numbers --------------------------------------

#: The study's columns and the (model, strategy) runs that stand for them.
STUDY_COLUMNS = {
    "Original Model": ("idc_initial", "none"),
    "Our Model": ("idc_own", "none"),
    "Weight Balance": ("idc_own", "class_weight"),
    "Xception": ("idc_xception", "class_weight"),
}
#: Train accuracy above validation accuracy by more than this at the last epoch = "Yes".
OVERFIT_GAP = 0.05


def _overfit(run_id: str) -> str:
    try:
        h = data.load_history(run_id)
    except CorruptRunError as exc:  # the page names the run and the fix (dashboard.damage)
        data.refresh_runs()
        return f"n/a (damaged: {exc.detail})"
    except Exception as exc:  # noqa: BLE001 - a missing history must not blank the table
        return f"n/a ({type(exc).__name__})"
    if h.empty or not {"accuracy", "val_accuracy"} <= set(h.columns):
        return "n/a (no accuracy history)"
    last = h.iloc[-1]
    gap = float(last["accuracy"] - last["val_accuracy"])
    verdict = "Yes" if gap > OVERFIT_GAP else "No"
    return f"{verdict} (train {last['accuracy']:.2f} / val {last['val_accuracy']:.2f})"


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.0f}%"


def study_runs(runs: pd.DataFrame, dataset: str, profile: str | None = None,
               seed: object | None = None) -> dict[str, str]:
    """Study column -> our newest stored run standing for it on ``dataset``."""
    r = _no_fold(runs)
    r = r[r["dataset"].astype(str) == str(dataset)]
    if profile is not None:
        r = r[r["profile"].astype(str) == str(profile)]
    if seed is not None:
        r = r[r["seed"].astype(str) == str(seed)]
    r = r.sort_values("created_at")
    found: dict[str, str] = {}
    for column, (model, strategy) in STUDY_COLUMNS.items():
        match = r[(r["model"] == model) & (r["strategy"] == strategy)]
        if len(match):
            found[column] = match["run_id"].iloc[-1]
    return found


def study_table(found: Mapping[str, str], thresholds: Mapping[str, float],
                evals: Mapping[str, RunEvaluation]) -> pd.DataFrame:
    """Fig. 6's layout (metrics in rows, the study's four columns) with our runs' numbers.

    ``found`` comes from :func:`study_runs`; ``evals`` / ``thresholds`` are keyed by run id.
    A column without a stored (or evaluable) run says which run to train.
    """
    metrics = ["Time to train (s)", "Parameters (1E6)", "Overfit", "Accuracy",
               "Precision of labels", "Specificity", "Sensitivity", "Threshold"]
    table = pd.DataFrame({"Metrics": metrics})
    for column, (model, strategy) in STUDY_COLUMNS.items():
        rid = found.get(column)
        if rid is None or rid not in evals:
            table[column] = [f"not trained: {model} · {strategy}"] + [""] * (len(metrics) - 1)
            continue
        record = data.load_record(rid)
        m = evals[rid].at(thresholds[rid]).metrics
        n_params = (record.get("model") or {}).get("n_params")
        wall = record.get("wall_time_s")
        table[column] = [
            f"{wall:.0f}" if wall is not None else "n/a",
            f"{n_params / 1e6:.3f}" if n_params else "n/a",
            _overfit(rid),
            _pct(m.accuracy),
            f"{_pct(m.npv)} and {_pct(m.precision)}",
            _pct(m.specificity),
            _pct(m.sensitivity),
            f"{thresholds[rid]:.3f}",
        ]
    return table
