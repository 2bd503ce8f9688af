"""CSV downloads of the Explain page's numbers: predictions with thresholds, sanity scores.

The tables are the ones shown on the page (``format``), with the image they belong to,
so a clinician can cite exactly what was on screen. Generated from memory, never from disk.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from core.explain import Sanity
from dashboard.downloads import csv_bytes
from dashboard.explain.format import predictions_table, sanity_table
from dashboard.explain.inputs import InputImage
from dashboard.explain.maps import MapSettings, class_index, explain_key
from dashboard.explain.predictions import LoadedRun, Predictions
from dashboard.explain.session import results


def predictions_csv(images: Sequence[InputImage], runs: Sequence[LoadedRun],
                    preds: Predictions, thresholds: dict[str, float]) -> pd.DataFrame:
    """Every image x run: the call, its probabilities, the threshold and the decision."""
    frames = []
    for image in images:
        table = predictions_table([r.run for r in runs],
                                  {r.run.run_id: preds[(image.digest, r.run.run_id)]
                                   for r in runs}, thresholds)
        table.insert(0, "image", image.name)
        table.insert(1, "source", image.source)
        table.insert(2, "true label", image.true_label or "")
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sanity_csv(image: InputImage, runs: Sequence[LoadedRun], preds: Predictions,
               chosen: MapSettings) -> pd.DataFrame:
    """The sanity scores computed for the explained image (empty when none were computed)."""
    rows = []
    for loaded in runs:
        index = class_index(loaded, preds[(image.digest, loaded.run.run_id)].predicted,
                            chosen.target)
        if index is None:  # this model has no class of that name: nothing was explained
            continue
        for method in chosen.methods:
            check = results().get(explain_key("sanity", image, loaded.run.run_id, method, index,
                                              chosen))
            if isinstance(check, Sanity):
                rows.append({"image": image.name, "run": loaded.run, "method": method,
                             "sanity": check})
    return sanity_table(rows)


def downloads(images: Sequence[InputImage], runs: Sequence[LoadedRun], preds: Predictions,
              thresholds: dict[str, float], explained: InputImage | None,
              chosen: MapSettings | None) -> None:
    left, right = st.columns(2)
    left.download_button("Predictions and thresholds (CSV)", key="explain.csv.predictions",
                         data=csv_bytes(predictions_csv(images, runs, preds, thresholds)),
                         file_name="lesionlab_explain_predictions.csv",
                         mime="text/csv", icon=":material/download:", on_click="ignore")
    if explained is None or chosen is None or not chosen.sanity:
        return
    table = sanity_csv(explained, runs, preds, chosen)
    if not table.empty:
        right.download_button("Sanity scores (CSV)", key="explain.csv.sanity",
                              data=csv_bytes(table), mime="text/csv",
                              file_name="lesionlab_explain_sanity.csv",
                              icon=":material/download:", on_click="ignore")
