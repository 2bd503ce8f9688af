"""Placeholder until this page lands (keeps navigation working)."""

import streamlit as st

st.title("Datasets")
st.info("This page is not available yet.")
