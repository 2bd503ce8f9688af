"""Home: what Lesionlab holds and where to start."""

from __future__ import annotations

import streamlit as st

from core.datasets.registry import load_registry

st.title("Lesionlab")
st.write(
    "Train, cache and compare cancer-imaging classifiers side by side; inspect single images."
)
specs = load_registry()
st.subheader("Datasets")
st.dataframe(
    [{"name": s.name, "kind": s.kind, "positive class": s.positive_class,
      "description": s.description} for s in specs.values()],
    hide_index=True,
)
