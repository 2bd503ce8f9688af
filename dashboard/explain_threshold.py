"""The decision threshold per run, from the app's shared threshold control.

Why not a threshold widget of its own: a clinician who set "sensitivity >= 0.95 on validation"
on the Compare page must see the same call for an image here. ``dashboard.threshold`` owns that
control (presets chosen on the validation split, state shared across pages and in the URL as
``t``); this module only collects the evaluations it needs: the runs with a positive class.
Multiclass runs without one have no threshold (their call is the argmax).
"""

from __future__ import annotations

from typing import Iterable

import streamlit as st

from dashboard import data
from dashboard.explain_compute import RunModel


def thresholds(runs: Iterable[RunModel]) -> dict[str, float]:
    """Render the shared control for the binary runs; their thresholds by run id."""
    binary = [run for run in runs if run.positive_index is not None]
    if not binary:
        return {}
    evaluations = {}
    for run in binary:
        try:
            evaluations[run.run_id] = data.load_evaluation(run.run_id)
        except Exception as error:  # noqa: BLE001 - one bad run must not stop the page
            st.warning(f"{run.label}: no threshold can be chosen for this run ({error}); "
                       "its decision is shown at 0.5.")
    names = {run.run_id: run.label for run in binary}
    chosen = _shared_control(evaluations, names) if evaluations else {}
    return {run.run_id: float(chosen.get(run.run_id, 0.5)) for run in binary}


def _shared_control(evaluations, names: dict[str, str]) -> dict[str, float]:
    try:
        from dashboard.threshold import threshold_control
    except ModuleNotFoundError as missing:
        if missing.name != "dashboard.threshold":
            raise
        return _fallback_control(evaluations)
    return threshold_control(evaluations, names=names)


def _fallback_control(evaluations) -> dict[str, float]:
    """Until the shared control exists: one fixed threshold for every run."""
    value = st.number_input("Decision threshold: positive when P(positive class) >= t",
                            min_value=0.0, max_value=1.0, value=0.5, step=0.01, format="%.3f",
                            key="explain.threshold")
    return {run_id: float(value) for run_id in evaluations}
