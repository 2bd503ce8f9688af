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

from core.explain import RunModel
from core.store import CorruptRunError
from dashboard import data
from dashboard.damage import FIX
from dashboard.text import md
from dashboard.threshold import FALLBACK, threshold_control


def thresholds(runs: Iterable[RunModel]) -> dict[str, float]:
    """Render the shared control for the binary runs; their thresholds by run id."""
    binary = [run for run in runs if run.positive_index is not None]
    if not binary:
        return {}
    evaluations = {}
    for run in binary:
        try:
            evaluations[run.run_id] = data.load_evaluation(run.run_id)
        except CorruptRunError as error:  # its model may be intact; its predictions are not
            data.refresh_runs()
            st.warning(md("{run} is damaged: {detail}. No threshold can be chosen for it; its "
                          "decision is shown at {t}.", run=run.label, detail=error.detail,
                          t=FALLBACK) + " " + FIX)
        except Exception as error:  # noqa: BLE001 - one bad run must not stop the page
            st.warning(md("{run}: no threshold can be chosen for this run ({error}); its "
                          "decision is shown at {t}.", run=run.label, error=error, t=FALLBACK))
    names = {run.run_id: run.label for run in binary}
    chosen = threshold_control(evaluations, names=names) if evaluations else {}
    return {run.run_id: float(chosen.get(run.run_id, FALLBACK)) for run in binary}
