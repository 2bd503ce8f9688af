"""Explain an image: every chosen model's prediction and saliency maps, side by side.

Layout only. Inputs (runs, uploads, dataset images, links) live in ``dashboard.explain.inputs``
(an external evaluation's target images, and their stored predictions, in ``.external``),
predictions in ``.predictions``, saliency controls and computation in ``.maps``, the overlay grid
in ``.grid``, downloads in ``.export``; what they compute comes from ``core.explain`` and
``core``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.explain import export, external, grid, inputs, maps, predictions, threshold
from dashboard.data import load_run_record, run_label
from dashboard.details import show_run_warnings
from dashboard.text import visible

st.title("Explain an image")
st.caption("One image, each chosen model's call on it, and where each model looked (saliency "
           "maps), side by side. A saliency map is a hint, not a proof: use the sanity checks.")

runs, no_model = inputs.with_model(inputs.usable_runs())
inputs.say_no_model(no_model)
if runs.empty:
    if no_model.empty:
        st.info("No trained runs yet, so there is no model to explain. Train one on the Train "
                "page (the synthetic demo dataset works without any download), then come back.",
                icon=":material/info:")
    st.stop()

link = inputs.link_selection(runs, no_model)
chosen_ids = inputs.choose_runs(runs, link)
images = inputs.choose_images(runs)
if not chosen_ids:
    st.info("Choose at least one model above.")
    st.stop()

labels = {row.run_id: run_label(row._asdict()) for row in runs.itertuples()}
loaded = predictions.load_runs(chosen_ids, labels)
if not loaded:
    st.stop()
if any(item.run.synthetic_data for item in loaded):
    st.warning("Some chosen models were trained on SYNTHETIC data (the demo): their calls say "
               "nothing about real tissue.", icon=":material/science:")
show_run_warnings((item.run.label, load_run_record(item.run.run_id)) for item in loaded)

with st.expander("Decision threshold", expanded=False):
    thresholds = threshold.thresholds([item.run for item in loaded])

if not images:
    st.info("Upload one or more images, or pick a dataset test image, to see the predictions.")
    st.stop()

preds = predictions.predictions(images, loaded)
st.header("Predictions")
predictions.show(images, loaded, preds, thresholds)
external.show_stored(images, loaded, preds)

st.header("Saliency maps")
settings = maps.settings(loaded, link)
explained = images[0]
if len(images) > 1:
    if st.session_state.get("explain.image", 0) >= len(images):
        st.session_state["explain.image"] = 0
    number = st.selectbox("Image to explain", range(len(images)), key="explain.image",
                          format_func=lambda i: visible(f"Image {i + 1}: {images[i].name}"))
    explained = images[number]
if settings.methods:
    maps.compute(maps.jobs(explained, loaded, preds, settings))
    grid.grid(explained, loaded, preds, settings)
else:
    st.info("Choose at least one saliency method.")

st.header("Downloads")
export.downloads(images, loaded, preds, thresholds, explained, settings)
