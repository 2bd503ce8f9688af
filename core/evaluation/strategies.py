"""What an imbalance strategy changed, against "none", and whether a run overfit.

Why paired: the strategies of one (dataset, model, profile, seed) share the split and the test
samples (see :data:`core.training.STRATEGIES`), so each difference from "none" comes with a
paired interval - a bootstrap over the same resampled patients for the threshold metrics and
the paired DeLong test for AUC (:meth:`RunEvaluation.compare`).  Two separate CIs that overlap
would say much less.

The overfit verdict is the one of the IDC study's summary table (Aimyshev, Bakytbek & Baiturov,
Fig. 6), which the Weighting page regenerates from our runs: "Yes" when the last epoch's
training accuracy exceeds its validation accuracy by more than :data:`OVERFIT_GAP`.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .evaluate import OperatingPoint, RunEvaluation

__all__ = ["OVERFIT_GAP", "REFERENCE", "effect_rows", "overfit_verdict"]

#: The strategy every other one is compared with.
REFERENCE = "none"
#: Train accuracy above validation accuracy by more than this at the last epoch = "Yes".
OVERFIT_GAP = 0.05
#: The threshold metrics of :func:`effect_rows`, in row order (then AUC).
_EFFECT_METRICS = ("npv", "precision", "sensitivity", "specificity", "accuracy")


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


def _differences(ev: RunEvaluation, ref: RunEvaluation, threshold: float, ref_threshold: float,
                 labels: list[str]) -> dict[str, tuple]:
    """label -> (strategy minus reference, (low, high), p) on the same test samples."""
    comp = ev.compare(ref, threshold, ref_threshold)
    b = comp.bootstrap
    diffs = {label: (b.estimates[key], tuple(b[key]), np.nan)
             for label, key in zip(labels, _EFFECT_METRICS)}
    d = comp.delong
    diffs["AUC"] = (d.difference, (d.ci_low, d.ci_high), d.p_value)
    return diffs


def effect_rows(evals: Mapping[str, RunEvaluation], thresholds: Mapping[str, float],
                class_names: tuple[str, str]) -> pd.DataFrame:
    """Long numeric table: strategy, metric, value, CI, difference from "none", its CI, p.

    ``evals`` and ``thresholds`` are keyed by strategy; ``class_names`` is ``(negative,
    positive)``.  Differences are strategy minus none, paired on the same test samples; p is the
    paired DeLong test (AUC rows only).
    """
    neg, pos = class_names
    ref = evals.get(REFERENCE)
    rows = []
    for strategy, ev in evals.items():
        op = ev.at(thresholds[strategy])
        values = _per_class(op, ev, neg, pos)
        diffs: dict[str, tuple] = {}
        if ref is not None and strategy != REFERENCE:
            diffs = _differences(ev, ref, thresholds[strategy], thresholds[REFERENCE],
                                 list(values)[:len(_EFFECT_METRICS)])
        for label, (value, (lo, hi)) in values.items():
            dv, (dlo, dhi), p = diffs.get(label, (np.nan, (np.nan, np.nan), np.nan))
            rows.append({"strategy": strategy, "metric": label, "threshold": op.threshold,
                         "value": value, "ci_low": lo, "ci_high": hi,
                         "difference_vs_none": dv, "difference_ci_low": dlo,
                         "difference_ci_high": dhi, "p_value": p})
    return pd.DataFrame(rows)


def overfit_verdict(history: pd.DataFrame) -> str:
    """The study table's "Overfit" cell from a run's per-epoch history, e.g.
    ``"Yes (train 0.97 / val 0.85)"``; ``"n/a (no accuracy history)"`` without both columns."""
    if history.empty or not {"accuracy", "val_accuracy"} <= set(history.columns):
        return "n/a (no accuracy history)"
    last = history.iloc[-1]
    gap = float(last["accuracy"] - last["val_accuracy"])
    verdict = "Yes" if gap > OVERFIT_GAP else "No"
    return f"{verdict} (train {last['accuracy']:.2f} / val {last['val_accuracy']:.2f})"
