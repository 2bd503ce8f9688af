"""The external set of each evaluation, described as TRIPOD-AI asks (item 12/13: the data of
the validation, its outcome events, missing data, the differences from the development data).

One row per evaluation: how many images were evaluated, how many were events (the run's
positive class after the class mapping) and so the prevalence; the observed risk beside the
mean predicted risk (at the result's level: their gap is what calibration-in-the-large
measures); the target images left out because they could not be read; the overlap check's
exact and near counts (empty, and the reason in ``overlap``, when it could not be done); the
class mapping and which part of the target was evaluated. Everything comes from the stored
record and predictions; the Transfer tab and ``core evaluate`` lay it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from core.external.results import ExternalResult

__all__ = ["DESCRIPTION_COLUMNS", "describe_external"]

DESCRIPTION_COLUMNS = ("evaluation", "n_images", "n_events", "prevalence", "observed_risk",
                       "mean_predicted_risk", "left_out_unreadable", "overlap_exact",
                       "overlap_near", "overlap", "class_mapping", "target_split")

_SPLITS = {"test": "the target's test split", "all": "every image of the target"}


def _overlap_words(r: ExternalResult) -> str:
    found = r.overlap
    if not r.overlap_known:
        return str(found.get("unknown") or "unknown")
    return ("overlapping: also in the run's training or validation images" if r.overlapping
            else "none found")


def _row(r: ExternalResult, name: str) -> dict:
    view = r.evaluation.view
    pred = r.evaluation.predictions()
    external = pred[pred["split"].astype(str) == "test"]
    binary = view.positive_index is not None and r.run_evaluation is not None
    events = int((external["target"] == view.positive_index).sum()) if binary else None
    cal = r.calibration if binary else None
    found = r.overlap if r.overlap_known else {}
    return {
        "evaluation": name, "n_images": len(external), "n_events": events,
        "prevalence": events / len(external) if binary and len(external) else None,
        "observed_risk": cal.observed_risk if cal else None,
        "mean_predicted_risk": cal.mean_predicted_risk if cal else None,
        "left_out_unreadable": view.left_out_unreadable,
        "overlap_exact": found.get("exact"), "overlap_near": found.get("near"),
        "overlap": _overlap_words(r),
        "class_mapping": ", ".join(f"{t} → {c}" for t, c in sorted(view.mapping.items())),
        "target_split": _SPLITS.get(str(view.split), str(view.split)),
    }


def describe_external(results: Sequence[ExternalResult],
                      names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per result (:data:`DESCRIPTION_COLUMNS`); ``names``: evaluation id -> the name
    shown for it (default: the evaluation's label)."""
    names = names or {}
    rows = [_row(r, names.get(r.evaluation.evaluation_id, r.label)) for r in results]
    return pd.DataFrame(rows, columns=list(DESCRIPTION_COLUMNS))
