"""Lesionlab's Streamlit entry script: `streamlit run app.py`.

Only navigation lives here; every page is a file in `pages/`, shared widgets in `dashboard/`,
and everything that computes lives in `core/` (no Streamlit there).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

# Heavy libraries imported once here, before any page runs: two sessions importing scikit-learn
# for the first time in parallel page threads have failed with a partially initialised module.
import core.evaluation  # noqa: E402,F401
import dashboard.data  # noqa: E402,F401

st.set_page_config(page_title="Lesionlab", page_icon=":material/biotech:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/datasets.py", title="Datasets", icon=":material/folder_open:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/weighting.py", title="Weighting effects", icon=":material/balance:"),
    st.Page("pages/errors.py", title="Errors", icon=":material/error:"),
    st.Page("pages/explain.py", title="Explain an image", icon=":material/image_search:"),
]

st.navigation(PAGES).run()
