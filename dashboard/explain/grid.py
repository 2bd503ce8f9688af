"""The grid of saliency overlays: one row per model, one column per method.

A fragment, so that moving the opacity slider redraws only the overlays (blending is numpy on
the display-size image; the maps come from the session's memory, nothing is recomputed). Each
cell offers its overlay as a PNG, generated only when clicked (a deferred download), at full
resolution with the colour scale under it (as on the page), and, when sanity checks are on,
the randomization result in words and a deletion curve.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import streamlit as st

from core.evaluation.display import deletion_figure
from core.explain import Sanity
from core.saliency import (DEFAULT_COLORMAP, METHODS, SCALE_ENDS, colour_scale_strip,
                           overlay_heatmap, to_png_bytes, with_colour_scale)
from dashboard.explain.format import display_image, display_map, export_image, file_stem
from dashboard.explain.inputs import InputImage
from dashboard.explain.maps import ExplainKey, Failed, MapSettings, class_index, explain_key
from dashboard.explain.predictions import LoadedRun, Predictions
from dashboard.explain.session import results
from dashboard.text import file_name, literal, md, visible

KEY = "explain."
LOW, HIGH = SCALE_ENDS[DEFAULT_COLORMAP]
#: Under each map's colour scale: which end is which.
SCALE_CAPTION = f"Colour scale: low ({LOW}, left) to high ({HIGH}, right) saliency"
#: Once above the grid: what low and high mean, and what the colours cannot be compared with.
SCALE_MEANING = (f"In every map, {HIGH} marks where the method finds the most evidence for the "
                 f"explained class in this image and {LOW} the least. Each map is scaled to its "
                 "own range, so compare places within one map, not colours across maps or "
                 "models.")


@st.fragment
def grid(image: InputImage, runs: Sequence[LoadedRun], preds: Predictions,
         chosen: MapSettings) -> None:
    opacity = st.slider("Map opacity", 0.0, 1.0, 0.45, 0.05, key=KEY + "opacity",
                        help="0 shows the image only, 1 the map only.")
    st.caption(SCALE_MEANING)
    base = display_image(image.rgb)
    widths = [1] + [2] * len(chosen.methods)
    header = st.columns(widths)
    header[0].markdown("**Model**")
    for column, method in zip(header[1:], chosen.methods):
        column.markdown(md("**{method}**", method=METHODS[method].label))
    for loaded in runs:
        run = loaded.run
        prediction = preds[(image.digest, run.run_id)]
        index = class_index(loaded, prediction.predicted, chosen.target)
        row = st.columns(widths)
        row[0].caption(literal(run.label))
        row[0].text(visible(f"predicted: {run.class_names[prediction.predicted]} "
                            f"(p = {prediction.probability:.3f})"))
        if index is None:
            row[0].info(md("This model has no class '{target}'; nothing to explain.",
                           target=chosen.target))
            continue
        row[0].text(visible(f"explained: class {run.class_names[index]}"))
        for column, method in zip(row[1:], chosen.methods):
            key = explain_key("map", image, run.run_id, method, index, chosen)
            with column:
                _cell(image, base, loaded, key, opacity, chosen.sanity)


def _cell(image: InputImage, base: np.ndarray, loaded: LoadedRun, key: ExplainKey,
          opacity: float, sanity: bool) -> None:
    run, method, index = loaded.run, key.method, key.class_index
    saliency = results().get(key)
    if saliency is None:
        st.caption("Not computed (stopped).")
        return
    if isinstance(saliency, Failed):
        st.warning(md("{method} failed for this model.", method=METHODS[method].label))
        st.text(visible(saliency.message))
        return
    cell = f"{run.run_id}.{method}.{index}.{hash(key.options)}"
    shown, flat = display_map(saliency)
    st.image(overlay_heatmap(base, shown, opacity=opacity), width="stretch",
             caption=literal(f"{METHODS[method].label} · {run.class_names[index]}"))
    if flat:
        st.caption("Flat map: every pixel scored the same, so this method finds no evidence "
                   "for this class in this image.")
    else:
        st.image(colour_scale_strip(), width="stretch", caption=SCALE_CAPTION)
    full = export_image(image.rgb)

    def png() -> bytes:  # with the colour scale the page draws under the map, if it draws one
        overlay = overlay_heatmap(full, shown, opacity=opacity)
        return to_png_bytes(overlay if flat else with_colour_scale(overlay))

    st.download_button(
        "Overlay PNG", key=f"{KEY}png.{cell}", mime="image/png", icon=":material/download:",
        data=png,
        file_name=file_name(f"{file_stem(image.name)}_{run.run_id[:8]}_{file_stem(method)}_"
                            f"{file_stem(run.class_names[index])}", ".png", limit=160),
        on_click="ignore")
    if sanity:
        _sanity(results().get(key.of_kind("sanity")), run.class_names[index], cell)


def _sanity(check: Sanity | Failed | None, class_name: str, cell: str) -> None:
    if check is None:
        st.caption("Sanity checks not computed (stopped).")
        return
    if isinstance(check, Failed):
        st.warning("The sanity checks failed.")
        st.text(visible(check.message))
        return
    if check.passes_randomization:
        st.success(literal(check.randomization_words))
    else:
        st.error(literal(check.randomization_words))
    st.caption(literal(check.deletion_words))
    st.plotly_chart(deletion_figure(check.deletion, class_name), width="stretch",
                    key=f"{KEY}deletion.{cell}", config={"displayModeBar": False})

