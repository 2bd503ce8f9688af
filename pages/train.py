"""Placeholder until this page lands (keeps navigation working)."""

import streamlit as st

st.title("Train")
st.info("This page is not available yet.")
