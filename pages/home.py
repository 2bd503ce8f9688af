"""Home: what the store holds, where to start, and on a fresh install a one-click demo."""

from __future__ import annotations

import streamlit as st

from core import config
from core.jobs import demo_grid
from core.jobs.presets import demo_estimate
from dashboard.data import list_runs
from dashboard.jobs.overview import show_runs_table, store_metrics
from dashboard.jobs.panel import get_runner, jobs_panel, submit
from dashboard.text import literal

DEMO_LABEL = "Demo comparison on SYNTHETIC data"

st.title("Lesionlab")
st.write("Train, cache and compare cancer-imaging classifiers side by side; inspect single "
         "images and what a model looked at.")

runs = list_runs()
demo_running = any(s.label.startswith(DEMO_LABEL) for s in get_runner().active())

if runs.empty:
    st.subheader("First run")
    if demo_running:
        st.info("The demo comparison is training in the background. You can leave this page; "
                "the other pages fill in as runs finish.")
    else:
        st.write(
            "The store is empty. Train the demo comparison to see every page at work: three "
            "models (two small CNNs of the IDC study and MobileNetV2), each without and with "
            "class weighting, on the built-in **SYNTHETIC** dataset (generated histology-like "
            "patches, not patient data), with the quick profile (a few epochs, not the "
            "studies' full training): "
            + literal(demo_estimate(config.store_root()).words())
            + ". A busy machine takes longer; the job panel shows the time left as it goes.")
        if st.button("Train the demo comparison", type="primary", icon=":material/play_arrow:"):
            with st.spinner("Preparing the demo runs (loads TensorFlow the first time)…"):
                specs = demo_grid()
            plural = "s" if len(specs) > 1 else ""
            submit(specs, label=f"{DEMO_LABEL} ({len(specs)} run{plural})")
            st.rerun()
else:
    st.subheader("In the store")
    store_metrics(runs)
    show_runs_table(runs, height=min(420, 38 + 35 * len(runs)))

jobs_panel(key="home")

st.subheader("Where to start")
GUIDE = [
    ("pages/datasets.py", ":material/folder_open:", "Datasets",
     "declare your data (folders, CSV, IDC, BreakHis, MedMNIST) and check it for duplicates, "
     "leakage and unreadable files"),
    ("pages/train.py", ":material/model_training:", "Train",
     "pick datasets × models × imbalance strategies and train what is not stored yet"),
    ("pages/compare.py", ":material/compare:", "Compare",
     "ROC / PR curves, confidence intervals and paired tests across runs"),
    ("pages/weighting.py", ":material/balance:", "Weighting effects",
     "what class weighting and resampling change, run against run"),
    ("pages/errors.py", ":material/error:", "Errors",
     "the images a model gets wrong, by subgroup and threshold"),
    ("pages/explain.py", ":material/image_search:", "Explain an image",
     "one image, one model: prediction and saliency maps"),
]
for page, icon, label, what in GUIDE:
    link, text = st.columns([1, 3], vertical_alignment="center")
    link.page_link(page, label=label, icon=icon)
    text.caption(what)
