"""Datasets: what is declared, declare a new one, check one, remove a declaration."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets.form import declare_form, show_saved_message
from dashboard.datasets.ui import (
    check_section,
    registry_or_error,
    registry_table,
    remove_section,
)

st.title("Datasets")
specs = registry_or_error()
if specs is not None:
    st.subheader("Declared datasets")
    registry_table(specs)

st.subheader("Declare a dataset")
st.caption("Lesionlab reads your folders in place and never writes into them. Validating loads "
           "the dataset with every check; it is saved to the registry only if it loads.")
show_saved_message()
declare_form()

if specs is not None:
    st.subheader("Check a dataset")
    check_section(specs)
    st.subheader("Remove a declaration")
    remove_section(specs)
