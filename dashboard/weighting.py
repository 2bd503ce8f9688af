"""The Weighting page's tables as text: the strategy effects with their CIs, and the IDC
study's summary table (Aimyshev, Bakytbek & Baiturov, Fig. 6: models in columns; time to train,
parameters, overfit, accuracy, per-label precision, specificity, sensitivity in rows) from *our*
stored runs.

Nothing is computed here: the paired differences come from
:func:`core.evaluation.strategies.effect_rows`, the overfit verdict from
:func:`core.evaluation.strategies.overfit_verdict`, which runs stand for which column from
:mod:`core.training.runsets`. This module formats them, and reads records and histories through
the app's cache (:mod:`dashboard.data`), where a damaged run is named instead of blanking the
table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import streamlit as st

from core.evaluation import RunEvaluation
from core.evaluation.display import format_estimate, format_p
from core.evaluation.strategies import overfit_verdict
from core.store import CorruptRunError
from core.training.more_seeds import configuration_not_alike_now
from core.training.runsets import STUDY_COLUMNS
from dashboard import data
from dashboard.text import literal, visible

__all__ = ["effects_display", "other_configuration_note", "study_table", "variant_choice"]


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


def _overfit(run_id: str) -> str:
    try:
        h = data.load_history(run_id)
    except CorruptRunError as exc:  # the page names the run and the fix (dashboard.damage)
        data.refresh_runs()
        return f"n/a (damaged: {exc.detail})"
    except Exception as exc:  # noqa: BLE001 - a missing history must not blank the table
        return f"n/a ({type(exc).__name__})"
    return overfit_verdict(h)


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.0f}%"


def study_table(found: Mapping[str, str], thresholds: Mapping[str, float],
                evals: Mapping[str, RunEvaluation]) -> pd.DataFrame:
    """Fig. 6's layout (metrics in rows, the study's four columns) with our runs' numbers.

    ``found`` comes from :func:`core.training.runsets.study_runs`; ``evals`` / ``thresholds``
    are keyed by run id. A column without a stored (or evaluable) run says which run to train.
    """
    metrics = ["Time to train (s)", "Parameters (1E6)", "Overfit", "Accuracy",
               "Precision of labels", "Specificity", "Sensitivity", "Threshold"]
    table = pd.DataFrame({"Metrics": metrics})
    for column, (model, strategy) in STUDY_COLUMNS.items():
        rid = found.get(column)
        if rid is None or rid not in evals:
            table[column] = [f"not trained: {model} · {strategy}"] + [""] * (len(metrics) - 1)
            continue
        record = data.load_run_record(rid)
        m = evals[rid].at(thresholds[rid]).metrics
        n_params, wall = record.model.n_params, record.wall_time_s
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


def variant_choice(variants: pd.DataFrame) -> dict:
    """A select box over the variants of one (dataset, model, profile, seed): runs whose recipe
    overrides, split seed, budget, weights or source differ are never compared as strategies
    of one configuration. Labels are core's words (``variant``), with weights and source added
    only where two variants would otherwise read the same."""
    rows = variants.to_dict("records")
    labels = [r.get("variant") or "default recipe" for r in rows]
    if len(set(labels)) < len(labels):
        labels = [f"{label} · weights {r.get('weights') or '–'} · {r.get('source') or '–'}"
                  for label, r in zip(labels, rows)]
    chosen = st.selectbox("Variant", range(len(rows)), format_func=lambda i: visible(labels[i]),
                          key="lesionlab.weighting.variant")
    return rows[chosen]


def other_configuration_note(config: Mapping) -> None:
    """Say so when strategies trained now for ``config`` (a row of
    :func:`core.training.runsets.configurations`) could not join it: its budget runs were
    planned by an older planner or augmented otherwise than a budget run would now (the check
    Compare's *Train seeds* makes, :func:`core.training.more_seeds.not_alike_now`)."""
    reason = configuration_not_alike_now(config, more="strategies")
    if reason is not None:
        st.info(literal(str(reason), lines=True), icon=":material/info:")
